// A backend web server: answers every request with the region's page.
// argv: <listen-addr> <port> <region-words, e.g. "North Europe">
import http from 'node:http';

const [addr = '127.0.0.1', port = '8081', where = 'North Europe', name = 'backend'] = process.argv.slice(2);
const page = `<html>\n<head>\n<title>Example WWW</title>\n</head>\n<body>\n<p> I'm running this website in ${where} (${name})\n</body>\n</html>\n`;
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(page);
});
// Tells the lab the moment it accepts connections (the fail-back benchmark measures from there).
server.listen(Number(port), addr, () => process.stdout.write(`listening ${Date.now()}\n`));
process.on('SIGTERM', () => process.exit(0));
