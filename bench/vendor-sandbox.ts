// The vendor for `npm run bench`: the built-in ScratchPower v1 sandbox (the documented shapes, zero
// latency) in a process of its own, as a real vendor would be, so the service's CPU figures are its own.
// Prints its port as the service does, so the bench starts both alike.
import { startScratchPowerSandbox } from "../src/vending/sandbox/scratchpower-v1.js";

const sandbox = await startScratchPowerSandbox({});
console.log(JSON.stringify({ msg: "listening", port: Number(new URL(sandbox.url).port) }));
process.on("SIGTERM", () => void sandbox.close().then(() => process.exit(0)));
