//! Sends the outbox by SMTP when `smtp_url` is set: `smtps://user:pass@host` for TLS
//! from the start, `smtp://user:pass@host:587?tls=required` for STARTTLS, and plain
//! `smtp://host:25` only for a relay on the same machine. Every instance runs the loop; each message is claimed by one of
//! them, and a failure is counted and retried, up to five times, so that nothing is
//! sent twice or lost. Without SMTP the messages wait on the outbox page.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::store::{Claimed, Store};

/// How often the outbox is looked at.
pub const INTERVAL: Duration = Duration::from_secs(5);
const MAX_ATTEMPTS: i64 = 5;

/// The SMTP transport the settings describe.
pub fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|b| b.timeout(Some(Duration::from_secs(20))).build())
        .map_err(|e| format!("smtp_url is not usable: {e}"))
}

fn message(from: &Mailbox, m: &Claimed) -> Result<Message, String> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| format!("bad recipient: {e}"))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

/// Sends what is waiting, once; returns how many were sent.
pub async fn send_waiting(
    store: &Store,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
) -> usize {
    let claimed = match store.claim_mail(50, 600, MAX_ATTEMPTS).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the outbox");
            return 0;
        }
    };
    let mut sent = 0;
    for m in claimed {
        let result = match message(from, &m) {
            Ok(msg) => mailer
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e),
        };
        match &result {
            Ok(()) => sent += 1,
            // The recipient is not logged: an address is personal data.
            Err(e) => {
                tracing::warn!(message = m.id, error = %e, "e-mail not sent; it will be tried again")
            }
        }
        if let Err(e) = store.mail_result(m.id, result.err().as_deref()).await {
            tracing::warn!(error = %e, "cannot record an e-mail's delivery");
        }
    }
    sent
}

/// Runs until the process stops: sends the outbox every [`INTERVAL`].
pub async fn run(store: Store, url: String, from: String) {
    let (mailer, from) = match (transport(&url), from.parse::<Mailbox>()) {
        (Ok(t), Ok(f)) => (t, f),
        (Err(e), _) => return tracing::error!("{e}; e-mails stay in the outbox"),
        (_, Err(e)) => {
            return tracing::error!(
                "mail_from is not an address ({e}); e-mails stay in the outbox"
            );
        }
    };
    loop {
        send_waiting(&store, &mailer, &from).await;
        tokio::time::sleep(INTERVAL).await;
    }
}
