// The official `@composio/core` TypeScript SDK (0.17.0), unmodified: catalog reads and the
// session search against composio-server. Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and
// COMPOSIO_CLI.
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { Composio } from "@composio/core";

const composio = new Composio({
  apiKey: process.env.COMPOSIO_API_KEY,
  baseURL: process.env.COMPOSIO_BASE_URL,
  allowTracking: false,
  disableVersionCheck: true,
});
const passed = [];
const ok = (call) => {
  passed.push(call);
  console.log(`  ok  ${call}`);
};

const gmail = await composio.toolkits.get("gmail");
assert.equal(gmail.slug, "gmail");
assert.equal(gmail.authConfigDetails[0].mode, "OAUTH2");
ok('toolkits.get("gmail")');

const all = await composio.toolkits.get({});
assert.ok(all.some((t) => t.slug === "hackernews"), JSON.stringify(all));
ok("toolkits.get({})");

const user = `ts_catalog_${Date.now()}`;
const tools = await composio.tools.get(user, { toolkits: ["gmail"] });
const names = tools.map((t) => t.function?.name ?? t.name).sort();
assert.deepEqual(names, ["GMAIL_FETCH_EMAILS", "GMAIL_GET_PROFILE"]);
ok('tools.get(userId, {toolkits: ["gmail"]})');

const session = await composio.create(user, {
  manageConnections: false,
  multiAccount: { enable: true, requireExplicitSelection: true },
});
for (const alias of ["work", "home"]) {
  const request = await session.authorize("gmail", { alias });
  execFileSync(process.env.COMPOSIO_CLI, ["sandbox", "approve", request.redirectUrl], {
    timeout: 60_000,
  });
  await request.waitForConnection(30_000);
}
const found = await session.search({ query: "fetch my emails from today" });
const json = JSON.stringify(found);
assert.ok(json.includes("GMAIL_FETCH_EMAILS"), json);
// Its transform keeps toolkit, description, hasActiveConnection and statusMessage only (it
// drops `accounts` and `account_selection`, which the Python SDK keeps).
const gmailStatus = found.toolkitConnectionStatuses.find((s) => s.toolkit === "gmail");
assert.equal(gmailStatus.hasActiveConnection, true, json);
assert.ok(gmailStatus.statusMessage.startsWith("2 accounts connected"), json);
ok("session.search({query}) with two accounts");

console.log(`catalog (official TypeScript SDK): ${passed.length} calls passed`);
