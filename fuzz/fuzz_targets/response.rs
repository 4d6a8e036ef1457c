//! A response as a server sends it (status, headers, the body in chunks, with or without a
//! length up front), through the transport's bounded reader and its classification, then
//! the success body through the generated type, as the client reads every response.
//!
//! Properties: no panic; a body over the limit is `ResponseTooLarge` (a redirect says so
//! first), never a body; a body handed on is the one sent, whole; an error's message stays
//! within the body's size and a constant, whatever the server wrote.
#![no_main]

use std::cell::RefCell;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use workspace_app_client::{Error, fuzzing, types::ListSubJobsResponse};

#[derive(Debug, Arbitrary)]
struct Input {
    status: u16,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    chunks: Vec<Vec<u8>>,
    sized: bool,
    limit: u16,
}

thread_local! {
    static RUNTIME: RefCell<tokio::runtime::Runtime> = RefCell::new(
        tokio::runtime::Builder::new_current_thread().build().expect("a runtime"),
    );
}

fuzz_target!(|input: Input| {
    let limit = usize::from(input.limit);
    let sent: Vec<u8> = input.chunks.concat();
    let outcome = RUNTIME.with(|runtime| {
        runtime.borrow().block_on(fuzzing::response(
            input.status,
            &input.headers,
            input.chunks.clone(),
            input.sized,
            limit,
        ))
    });
    let Some(outcome) = outcome else {
        assert!(!(100..=999).contains(&input.status), "{input:?}");
        return;
    };
    let redirect = (300..400).contains(&input.status);
    match &outcome {
        Ok(body) => {
            assert!(body.len() <= limit, "a body over the limit was handed on");
            assert_eq!(
                &body[..],
                &sent[..],
                "the body handed on is not the one sent"
            );
            // As the generated code reads it: a value or an error, never a panic.
            let _ = serde_json::from_slice::<ListSubJobsResponse>(body);
        }
        Err(Error::ResponseTooLarge { limit: said }) => {
            assert_eq!(*said, limit);
            assert!(sent.len() > limit, "{} bytes called too large", sent.len());
        }
        Err(error) => {
            let shown = format!("{error} {error:?}");
            assert!(
                shown.len() <= 2 * sent.len() + 4096,
                "a {}-byte body made a {}-byte message",
                sent.len(),
                shown.len()
            );
        }
    }
    if sent.len() > limit && !redirect {
        assert!(
            matches!(outcome, Err(Error::ResponseTooLarge { .. })),
            "{} bytes over the limit {limit}: {outcome:?}",
            sent.len()
        );
    }
});
