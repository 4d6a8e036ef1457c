//! [`DisplayErrorChain`]: an error and its causes on one line.

use std::error::Error as StdError;
use std::fmt;

/// An error and its causes on one line, `error: cause: root cause`, like smithy's
/// `DisplayErrorContext`: `{}` alone shows only the outermost error.
///
/// ```
/// use workspace_app_client::{DisplayErrorChain, Error};
///
/// let error = Error::Signing(workspace_app_client::signing::SigningError::NoHost);
/// assert_eq!(error.to_string(), "cannot sign the request");
/// assert_eq!(
///     DisplayErrorChain(&error).to_string(),
///     "cannot sign the request: the request URL has no host to sign"
/// );
/// ```
#[derive(Debug, Clone, Copy)]
pub struct DisplayErrorChain<E>(pub E);

impl<E: StdError> fmt::Display for DisplayErrorChain<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
