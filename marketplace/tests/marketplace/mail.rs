//! E-mail over SMTP, against a small SMTP server in the test (the third party that
//! cannot be reached from here): what the outbox holds is sent once, failures are
//! retried, and nothing is sent twice.

use std::sync::{Arc, Mutex};

use lettre::message::Mailbox;
use marketplace::mailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::TestApp;

/// A server that speaks just enough SMTP, keeping each message's data; it refuses
/// every message while `refuse` is set.
async fn smtp_server(refuse: Arc<Mutex<bool>>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (got, refuse) = (kept.clone(), refuse.clone());
            tokio::spawn(async move {
                let (r, mut w) = socket.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 test ESMTP\r\n").await.ok()?;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            got.lock().unwrap().push(data.take().unwrap());
                            w.write_all(b"250 queued\r\n").await.ok()?;
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-test\r\n250 8BITMIME\r\n",
                        "MAIL" if *refuse.lock().unwrap() => b"451 try again later\r\n",
                        "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            w.write_all(b"221 bye\r\n").await.ok()?;
                            return Some(());
                        }
                        _ => b"502 not implemented\r\n",
                    };
                    w.write_all(reply).await.ok()?;
                }
                Some(())
            });
        }
    });
    (format!("smtp://{addr}"), got)
}

#[tokio::test]
async fn the_outbox_is_sent_once_and_failures_are_retried() {
    let app = TestApp::demo().await;
    let refuse = Arc::new(Mutex::new(true));
    let (url, got) = smtp_server(refuse.clone()).await;
    let transport = mailer::transport(&url).unwrap();
    let from: Mailbox = "NHS learning portal <no-reply@portal.example>"
        .parse()
        .unwrap();
    app.store
        .queue_mail(
            "nurse@northshire.example",
            "Your training",
            "Fire safety is due.",
        )
        .await
        .unwrap();
    app.store
        .queue_mail("not an address", "Broken", "x")
        .await
        .unwrap();

    // The server refuses: nothing is marked sent, and the failure is kept for a retry.
    assert_eq!(mailer::send_waiting(&app.store, &transport, &from).await, 0);
    assert!(got.lock().unwrap().is_empty());
    assert!(
        app.store
            .outbox(10)
            .await
            .unwrap()
            .iter()
            .all(|m| m.sent_at.is_none())
    );

    *refuse.lock().unwrap() = false;
    assert_eq!(mailer::send_waiting(&app.store, &transport, &from).await, 1);
    let sent = got.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("To: nurse@northshire.example") && sent[0].contains("Fire safety is due."),
        "{}",
        sent[0]
    );
    assert!(sent[0].contains("Subject: Your training"));
    // Sent once: another round sends nothing again.
    assert_eq!(mailer::send_waiting(&app.store, &transport, &from).await, 0);
    assert_eq!(got.lock().unwrap().len(), 1);
    let outbox = app.store.outbox(10).await.unwrap();
    assert!(
        outbox
            .iter()
            .any(|m| m.recipient == "nurse@northshire.example" && m.sent_at.is_some())
    );
    // A message that cannot be sent stops being tried after five attempts.
    for _ in 0..5 {
        mailer::send_waiting(&app.store, &transport, &from).await;
    }
    assert!(app.store.claim_mail(10, 0, 5).await.unwrap().is_empty());
}
