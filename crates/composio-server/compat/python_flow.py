import re, sys, requests, html
from composio import Composio
base, key = sys.argv[1], sys.argv[2]
c = Composio(api_key=key, base_url=base, allow_tracking=False)
s = c.create(user_id="user_123", manage_connections=False)
print("session", s.session_id)
conn = s.authorize("gmail", callback_url="https://example.com/cb?x=1")
print("redirect", conn.redirect_url, conn.id)
# Click through like a browser.
b = requests.Session()
r = b.get(conn.redirect_url)
action = re.search(r'<form method="post" action="([^"]+)"', r.text).group(1)
r = b.post(base + action, data={"action": "continue"}, allow_redirects=False)
r = b.get(r.headers["location"], allow_redirects=False)
fields = dict((html.unescape(n), html.unescape(v)) for n, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text))
fields["decision"] = "approve"
r = b.post(base + "/sandbox/oauth/authorize", data=fields, allow_redirects=False)
r = b.get(r.headers["location"], allow_redirects=False)
print("callback", r.headers["location"])
acct = conn.wait_for_connection(10)
print("account", acct.id, acct.status)
tk = s.toolkits()
print("toolkits", [(t.slug, t.connection.is_active if t.connection else None) for t in tk.items][:4])
tools = s.tools()
print("tools", len(tools))
