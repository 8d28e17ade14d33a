// The ceiling for `npm run bench`: a bare Express app answering `CON hello` to the same callbacks (no body
// parsing, no session, no store). Prints its port as the service does, so the bench starts both alike.
import express from "express";

const app = express();
app.post("/ussd/africastalking", (_req, res) => {
  res.type("text/plain").send("CON hello");
});
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: "listening", port: typeof address === "object" ? address?.port : 0 }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
