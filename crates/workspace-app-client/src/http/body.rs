//! Reading a response whole, up to a limit: what comes past it is not read.

use bytes::Bytes;
use futures_util::TryStreamExt;
use http_body::Frame;
use http_body_util::{BodyExt, Limited, StreamBody};

/// A response's body, as far as it was read.
pub(crate) enum Body {
    Whole(Bytes),
    /// Over the limit: not read further.
    TooLarge,
}

/// One attempt's outcome: the response's head and body, or why there is none.
pub(crate) type Attempt = reqwest::Result<(http::response::Parts, Body)>;

/// A response's head, and its whole body up to `limit` bytes.
pub(crate) async fn receive(mut response: reqwest::Response, limit: usize) -> Attempt {
    let (mut head, ()) = http::Response::new(()).into_parts();
    head.status = response.status();
    head.version = response.version();
    head.headers = std::mem::take(response.headers_mut());
    head.extensions = std::mem::take(response.extensions_mut());
    match read_limited(response, limit).await? {
        Some(body) => Ok((head, Body::Whole(body))),
        None => Ok((head, Body::TooLarge)),
    }
}

/// The whole body of `response`, up to `limit` bytes; `None` when it is larger, by its
/// `Content-Length` (nothing read) or once reading goes past the limit.
pub(crate) async fn read_limited(
    response: reqwest::Response,
    limit: usize,
) -> reqwest::Result<Option<Bytes>> {
    // From the body's size hint, which the headers taken out above do not change.
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Ok(None);
    }
    // Through `bytes_stream`, a failed read is reqwest's own error for it (as with
    // `Response::bytes`), not one wrapped again by `reqwest::Body`.
    let body = StreamBody::new(response.bytes_stream().map_ok(Frame::data));
    match Limited::new(body, limit).collect().await {
        Ok(body) => Ok(Some(body.to_bytes())),
        Err(error) => match error.downcast::<reqwest::Error>() {
            Ok(error) => Err(*error),
            // `Limited` fails with the body's own error (above) or with its
            // `LengthLimitError`.
            Err(_) => Ok(None),
        },
    }
}
