import { Option } from 'commander';

export const configOption = () => new Option('-c, --config <file>', 'JSON config file').makeOptionMandatory();
