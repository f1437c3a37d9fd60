//! A scripted agent (no LLM) that behaves like the one on the "In-chat authentication" page:
//! it tries the tool for the user's request, and when the toolkit is not connected it calls
//! `COMPOSIO_MANAGE_CONNECTIONS` and answers with the Connect Link; on "Done" it retries.

use composio::{ExecuteResponse, Session};
use serde_json::{json, Value};

/// What the agent answered.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The chat message.
    pub text: String,
    /// The Connect Link, when the agent asked the user to connect an account.
    pub link: Option<String>,
    /// The tool envelopes of this turn, in call order.
    pub calls: Vec<(String, ExecuteResponse)>,
}

/// The scripted agent of one chat.
#[derive(Debug)]
pub struct Agent {
    session: Session,
    /// The request waiting for the user to connect an account.
    pending: Option<String>,
}

impl Agent {
    /// An agent working in `session`.
    pub fn new(session: Session) -> Self {
        Self {
            session,
            pending: None,
        }
    }

    /// One turn: the user's message in, the agent's reply out.
    pub async fn handle(&mut self, user: &str) -> composio::Result<Reply> {
        let task = if user.trim().eq_ignore_ascii_case("done") {
            match self.pending.take() {
                Some(t) => t,
                None => return Ok(reply("Great! What can I do for you?", vec![])),
            }
        } else {
            user.to_owned()
        };
        if !task.to_lowercase().contains("email") {
            return Ok(reply("I can only summarize emails in this demo.", vec![]));
        }
        let mut calls = Vec::new();
        let args = json!({"query": "newer_than:1d", "max_results": 10});
        let fetched = self.session.execute("GMAIL_FETCH_EMAILS", args).await?;
        calls.push(("GMAIL_FETCH_EMAILS".to_owned(), fetched.clone()));
        if fetched.successful {
            return Ok(reply(&summarize(&fetched.data), calls));
        }
        if fetched.data["connection_required"] != json!(true) {
            let why = fetched.error.unwrap_or_default();
            return Ok(reply(
                &format!("Sorry, fetching your emails failed: {why}"),
                calls,
            ));
        }
        let toolkit = fetched.data["toolkit"]
            .as_str()
            .unwrap_or("gmail")
            .to_owned();
        let managed = self
            .session
            .execute(
                "COMPOSIO_MANAGE_CONNECTIONS",
                json!({"toolkits": [toolkit]}),
            )
            .await?;
        calls.push(("COMPOSIO_MANAGE_CONNECTIONS".to_owned(), managed.clone()));
        let result = &managed.data["results"][&toolkit];
        match result["redirect_url"].as_str() {
            Some(link) if result["status"] == "initiated" => {
                self.pending = Some(task);
                let mut r = reply(
                    &format!(
                        "I need you to connect your Gmail account first. Please click here to authorize:\n       {link}"
                    ),
                    calls,
                );
                r.link = Some(link.to_owned());
                Ok(r)
            }
            _ => Ok(reply(
                &format!(
                    "I could not create a connection link: {}",
                    result["error_message"].as_str().unwrap_or("unknown error")
                ),
                calls,
            )),
        }
    }
}

fn reply(text: &str, calls: Vec<(String, ExecuteResponse)>) -> Reply {
    Reply {
        text: text.to_owned(),
        link: None,
        calls,
    }
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["payload"]["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|h| {
            h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|h| h["value"].as_str())
        .unwrap_or("")
}

/// The summary an LLM would write, from the fetched messages.
pub fn summarize(data: &Value) -> String {
    let messages = data["messages"].as_array().cloned().unwrap_or_default();
    if messages.is_empty() {
        return "You have no emails from today.".to_owned();
    }
    let mut text = format!(
        "Here's a summary of your emails from today ({}):",
        messages.len()
    );
    for m in &messages {
        let from = header(m, "From");
        let sender = from.split(" <").next().unwrap_or(from);
        text.push_str(&format!(
            "\n       - {sender}: \"{}\" — {}",
            header(m, "Subject"),
            m["snippet"].as_str().unwrap_or("")
        ));
    }
    text
}
