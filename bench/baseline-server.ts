/** The limit: bare node:http answering a small JSON body. `node --import tsx bench/baseline-server.ts PORT` */
import { createServer } from "node:http";

const port = Number(process.argv[2] ?? 3999);
const body = JSON.stringify({ id: "p1", name: "Baseline", price: 100, stock: 1 });
createServer((_req, res) => {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}).listen(port, "127.0.0.1");
