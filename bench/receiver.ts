/**
 * Webhook receivers for the bench: `node bench/receiver.ts <port> [<port> …]` answers every POST 204 at once and
 * counts them; `GET /count` on any port tells that port's count.
 */
import http from 'node:http'

for (const port of process.argv.slice(2).map(Number)) {
  let received = 0
  http
    .createServer((request, response) => {
      request.resume()
      request.on('end', () => {
        if (request.method === 'POST') {
          received++
          response.writeHead(204).end()
        } else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ received }))
      })
    })
    .listen(port, '127.0.0.1')
}
