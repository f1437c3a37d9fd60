// The official `@composio/core` TypeScript SDK (0.17.0), unmodified: auth configs against
// composio-server. Creates a custom GitHub OAuth app, reads it back with `list` and `get` (the
// client secret never comes back), rotates its client with `update`, disables and enables it,
// then `connectedAccounts.link(userId, authConfigId)`: the Connect Link continues to the
// provider with the created config's client_id. Deleting the config while an account uses it
// is refused; after the account is deleted it succeeds. Needs COMPOSIO_API_KEY and
// COMPOSIO_BASE_URL.
import assert from "node:assert/strict";
import { Composio } from "@composio/core";

const composio = new Composio({
  apiKey: process.env.COMPOSIO_API_KEY,
  baseURL: process.env.COMPOSIO_BASE_URL,
  allowTracking: false,
  disableVersionCheck: true,
});
const secret = `compat-secret-${Date.now()}`;
const passed = [];
const ok = (call) => {
  passed.push(call);
  console.log(`  ok  ${call}`);
};

/** Continues a Connect Link as a browser does (its cookie and CSRF token); returns where it goes. */
async function providerUrl(redirectUrl) {
  const page = await fetch(redirectUrl);
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(";")[0]).join("; ");
  const html = await page.text();
  const token = /name="csrf_token" value="([^"]*)"/.exec(html)?.[1];
  assert.ok(token, "the Connect Link page has no CSRF token");
  const resp = await fetch(redirectUrl, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrf_token: token.replaceAll("&amp;", "&"), action: "continue" }),
  });
  assert.equal(resp.status, 303, await resp.text());
  return resp.headers.get("location");
}

const created = await composio.authConfigs.create("github", {
  type: "use_custom_auth",
  authScheme: "OAUTH2",
  name: "Compat GitHub app (TS)",
  credentials: { client_id: "Iv1.ts-compat", client_secret: secret, scopes: "repo,read:user" },
});
assert.ok(created.id.startsWith("ac_"), JSON.stringify(created));
assert.equal(created.isComposioManaged, false);
assert.equal(created.toolkit, "github");
ok('authConfigs.create("github", {type: "use_custom_auth", ...})');

const listed = await composio.authConfigs.list({ toolkit: "github", isComposioManaged: false });
assert.deepEqual(
  listed.items.map((i) => i.id),
  [created.id],
);
assert.ok(!JSON.stringify(listed).includes(secret), "the client secret was listed");
ok('authConfigs.list({toolkit: "github", isComposioManaged: false})');

const got = await composio.authConfigs.get(created.id);
assert.equal(got.status, "ENABLED");
assert.equal(got.name, "Compat GitHub app (TS)");
assert.equal(got.credentials.client_id, "Iv1.ts-compat");
assert.ok(!JSON.stringify(got).includes(secret), "the client secret was returned");
ok("authConfigs.get(id) (client secret masked)");

await composio.authConfigs.update(created.id, {
  type: "custom",
  credentials: { client_id: "Iv1.ts-rotated", client_secret: secret },
});
assert.equal((await composio.authConfigs.get(created.id)).credentials.client_id, "Iv1.ts-rotated");
ok('authConfigs.update(id, {type: "custom", credentials})');

await composio.authConfigs.disable(created.id);
assert.equal((await composio.authConfigs.get(created.id)).status, "DISABLED");
await composio.authConfigs.enable(created.id);
assert.equal((await composio.authConfigs.get(created.id)).status, "ENABLED");
ok("authConfigs.disable(id) / enable(id)");

const user = `ts_ac_${Date.now()}`;
const request = await composio.connectedAccounts.link(user, created.id);
const location = new URL(await providerUrl(request.redirectUrl));
assert.equal(location.searchParams.get("client_id"), "Iv1.ts-rotated", location.href);
assert.equal(location.searchParams.get("scope"), "repo read:user", location.href);
assert.ok(location.searchParams.get("redirect_uri").endsWith("/oauth/callback"), location.href);
ok("connectedAccounts.link(userId, authConfigId) -> authorize URL with its client_id");

await assert.rejects(composio.authConfigs.delete(created.id), (e) => {
  assert.match(String(e?.status ?? e?.cause?.status ?? e), /409|in use|InUse/i, String(e));
  return true;
});
ok("authConfigs.delete(id) while used -> refused (409)");

await composio.connectedAccounts.delete(request.id);
await composio.authConfigs.delete(created.id);
await assert.rejects(composio.authConfigs.get(created.id));
ok("authConfigs.delete(id) -> get rejects");

console.log(`auth configs (official TypeScript SDK): ${passed.length} calls passed`);
