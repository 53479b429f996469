// AWS Amplify's Events client against `channel-router serve --tls`, exactly as an app uses it.
// Usage: node client.mjs ENDPOINT API_KEY   (prints one JSON object with what happened)
import { WebSocket } from "ws";

globalThis.WebSocket = WebSocket; // Node 20 has no global WebSocket

const { Amplify } = await import("aws-amplify");
const { events } = await import("aws-amplify/data");

const [endpoint, apiKey] = process.argv.slice(2);
Amplify.configure({
  API: { Events: { endpoint, region: "us-east-1", defaultAuthMode: "apiKey", apiKey } },
});

const withTimeout = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);

const result = { received: [], errors: [] };
const wildcard = await events.connect("/room/*");
const gotTwo = new Promise((resolve) => {
  const subscription = wildcard.subscribe({
    next: (data) => {
      result.received.push(data.event);
      if (result.received.length === 2) resolve();
    },
    error: (error) => result.errors.push(String(error)),
  });
  result.subscribed = subscription.ready.then(() => true, (e) => String(e));
});
result.subscribed = await withTimeout(result.subscribed, 10000, "subscribe");

result.post = await events.post("/room/a", { text: "from post" });
const exact = await events.connect("/room/b");
result.publish = await exact.publish({ text: "from publish" });
await withTimeout(gotTwo, 10000, "two events");

const secret = await events.connect("/room/secret");
const refused = secret.subscribe({ next: () => {}, error: (error) => (result.refusedError = error?.errors?.[0]?.message ?? String(error)) });
result.refused = await withTimeout(refused.ready.then(() => "accepted", (e) => e?.errors?.[0]?.errorType ?? String(e)), 10000, "refused subscribe");

await secret.close();
await exact.close();
await wildcard.close();
console.log(JSON.stringify(result));
process.exit(0);
