/**
 * The ceiling: a bare node:http server that reads each request body and answers
 * {"success":true}, and nothing else. Whatever the load generator measures against it is
 * what this machine allows before Sluice does any work. Prints its port, then serves until
 * killed.
 */
import { createServer } from 'node:http';

const OK = Buffer.from('{"success":true}');

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length });
    res.end(OK);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
