// Starts the unmodified npm `cors-anywhere` proxy on loopback, in front of the Okta simulator.
// cors-anywhere fetches `https://<org host>/<path>`; Okta is not reachable here, so this process
// hands its outgoing HTTPS requests to the simulator over plain HTTP on loopback, keeping the
// org host in the Host header (the simulator serves orgs by Host). cors-anywhere's own code and
// behaviour (URL form, CORS, header handling) are untouched.
// Usage: node cors-anywhere-okta.cjs <simulator url>; prints "cors-anywhere listening on <url>".
const http = require('node:http');
const https = require('node:https');
const sim = new URL(process.argv[2]);

https.request = (options, callback) => {
  const host = options.hostname || options.host;
  const headers = { ...(options.headers || {}), host };
  return http.request({ ...options, protocol: 'http:', hostname: sim.hostname, host: sim.hostname, port: sim.port, agent: undefined, headers }, callback);
};

const corsAnywhere = require('cors-anywhere');
const server = corsAnywhere.createServer({
  originWhitelist: [],
  requireHeader: [],
  removeHeaders: ['cookie', 'cookie2', 'origin', 'referer'],
});
server.listen(0, '127.0.0.1', () => {
  console.log(`cors-anywhere listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
