//! In-chat authentication, end to end against an embedded composio-server (sandbox mode):
//! the transcript of the "In-chat authentication" docs page, with a scripted agent (no LLM).
//!
//! ```text
//! cargo run -p composio --example in_chat_auth
//! ```
//!
//! The user's click on the Connect Link is automated over HTTP with
//! `composio_server::sandbox::Browser` (it follows the link and approves the sandbox consent
//! page, like a person would).

mod agent;

use composio::{Composio, SessionOptions, ToolsExt};
use composio_server::sandbox::Browser;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = composio_server::spawn(composio_server::Config::default()).await?;
    let composio = Composio::builder()
        .api_key(server.api_key().unwrap_or_default())
        .base_url(server.url())
        .build()?;
    let session = composio.create("user_123", SessionOptions::new()).await?;
    let tools = session.tools().await?;
    let names: Vec<String> = tools
        .to_openai()
        .iter()
        .map(|t| {
            t["function"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    println!("(tools given to the model: {})\n", names.join(", "));

    let mut agent = agent::Agent::new(session);
    let say = "Summarize my emails from today";
    println!("You: {say}\n");
    let reply = agent.handle(say).await?;
    show_calls(&reply);
    println!("Agent: {}\n", reply.text);

    let link = reply.link.ok_or("the agent did not ask to connect Gmail")?;
    println!("(automated: the user's click on the link and the sandbox consent, over HTTP with composio_server::sandbox::Browser)\n");
    Browser::new()?.approve(&link).await?;

    println!("You: Done\n");
    let reply = agent.handle("Done").await?;
    show_calls(&reply);
    println!("Agent: {}", reply.text);
    server.shutdown().await;
    Ok(())
}

/// Prints the tool calls of a turn (what a chat UI would show as "used tools").
fn show_calls(reply: &agent::Reply) {
    let calls: Vec<String> = reply
        .calls
        .iter()
        .map(|(slug, r)| format!("{slug} -> {}", if r.successful { "ok" } else { "failed" }))
        .collect();
    println!("(tool calls: {})\n", calls.join(", "));
}
