// The official `@composio/core` TypeScript SDK, unmodified, against composio-server.
// Only the base URL is changed. Needs COMPOSIO_API_KEY, COMPOSIO_BASE_URL and COMPOSIO_CLI.
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { Composio } from "@composio/core";

const base = process.env.COMPOSIO_BASE_URL;
const composio = new Composio({
  apiKey: process.env.COMPOSIO_API_KEY,
  baseURL: base,
  allowTracking: false,
  disableVersionCheck: true,
});

function approve(link) {
  return execFileSync(process.env.COMPOSIO_CLI, ["sandbox", "approve", link], {
    encoding: "utf8",
    timeout: 60_000,
  }).trim();
}

const session = await composio.create("ts_user", { manageConnections: false });
const request = await session.authorize("gmail", {
  callbackUrl: "https://your-app.com/callback?user_id=ts_user&source=onboarding",
});
assert.ok(request.redirectUrl.startsWith(base), request.redirectUrl);
const landed = approve(request.redirectUrl);
assert.ok(
  landed.startsWith("https://your-app.com/callback?user_id=ts_user&source=onboarding&status=success&connected_account_id=ca_"),
  landed,
);
const account = await request.waitForConnection(30_000);
assert.equal(account.id, request.id);
assert.equal(account.status, "ACTIVE");

const toolkits = await session.toolkits();
const gmail = toolkits.items.find((t) => t.slug === "gmail");
assert.equal(gmail.connection?.connectedAccount?.id, account.id);
assert.equal(gmail.connection?.isActive, true);

const chat = await composio.create("ts_user", {
  manageConnections: { callbackUrl: "https://yourapp.com/chat" },
});
const tools = await chat.tools();
const names = tools.map((t) => t.function?.name ?? t.name);
assert.ok(names.includes("COMPOSIO_MANAGE_CONNECTIONS"), names.join(","));
assert.ok(chat.mcp.url.endsWith(`/tool_router/${chat.sessionId}/mcp`), chat.mcp.url);

// In-chat authentication through the official client's session.execute.
const agent = await composio.create("ts_chat_user");
const first = await agent.execute("GMAIL_FETCH_EMAILS", {});
assert.ok((first.error ?? "").includes("COMPOSIO_MANAGE_CONNECTIONS"), JSON.stringify(first));
const manage = await agent.execute("COMPOSIO_MANAGE_CONNECTIONS", { toolkits: ["gmail"] });
const gmailResult = manage.data.results.gmail;
assert.equal(gmailResult.status, "initiated", JSON.stringify(manage));
approve(gmailResult.redirect_url);
const retry = await agent.execute("GMAIL_FETCH_EMAILS", {});
assert.ok(!retry.error, JSON.stringify(retry));
assert.ok(retry.data, JSON.stringify(retry));

console.log(`official @composio/core 0.17.0: OK (account ${account.id}, ${toolkits.items.length} toolkits, ${names.length} tools)`);
