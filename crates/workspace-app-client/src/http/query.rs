//! A list sent as one comma-separated query value (`style: form`, `explode: false`), which
//! progenitor's `QueryParam` cannot write: it repeats the key for each item. Only a spec with
//! such a list calls it.
#![allow(dead_code, reason = "only a spec with a list sent unexploded calls it")]

use serde::Serialize;
use serde_json::Value;

/// Appends `name=a,b,c` to the request's query: each item of `value` (a list, or an
/// `Option` of one) percent-encoded as reqwest encodes query values, joined by literal
/// commas, so that a comma inside an item (`%2C`) stays apart from the ones between items.
/// Nothing for `None` or an empty list, as Huawei's SDK leaves an empty list out. (The codegen
/// puts this call after the request is built, for every list the spec sends unexploded.)
pub(crate) fn append_joined_query<T: Serialize + ?Sized>(
    request: &mut reqwest::Request,
    name: &str,
    value: &T,
) {
    let items = match serde_json::to_value(value) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Null) | Err(_) => return,
        Ok(single) => vec![single],
    };
    if items.is_empty() {
        return;
    }
    let joined = items
        .iter()
        .map(|item| encoded(&text(item)))
        .collect::<Vec<_>>()
        .join(",");
    let pair = format!("{}={joined}", encoded(name));
    let url = request.url_mut();
    let query = match url.query() {
        Some(query) if !query.is_empty() => format!("{query}&{pair}"),
        _ => pair,
    };
    url.set_query(Some(&query));
}

/// An item as a query value: a string as it is, anything else as its JSON text.
fn text(item: &Value) -> String {
    match item {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Percent-encoded as `application/x-www-form-urlencoded`, reqwest's encoding of query
/// values (`,` is `%2C`, a space `+`).
fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_after(value: &impl Serialize) -> Option<String> {
        let mut request = crate::test_support::http()
            .get("http://127.0.0.1:9/v1/p/x?limit=1")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        append_joined_query(&mut request, "attach_names", value);
        request.url().query().map(str::to_string)
    }

    #[test]
    fn items_are_joined_by_literal_commas_and_their_own_commas_encoded() {
        let names = vec!["a b".to_string(), "c,d".to_string(), "中".to_string()];
        assert_eq!(
            query_after(&names).as_deref(),
            Some("limit=1&attach_names=a+b,c%2Cd,%E4%B8%AD")
        );
        assert_eq!(
            query_after(&Some(vec![1, 2])).as_deref(),
            Some("limit=1&attach_names=1,2")
        );
        assert_eq!(
            query_after(&None::<Vec<String>>).as_deref(),
            Some("limit=1")
        );
        assert_eq!(
            query_after(&Vec::<String>::new()).as_deref(),
            Some("limit=1")
        );
        // Read back as a server reads it: one value, which splits into the items.
        let url = reqwest::Url::parse(&format!(
            "http://h/?{}",
            query_after(&names).unwrap_or_default()
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let raw = url
            .query()
            .unwrap_or_default()
            .split('&')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        let items: Vec<String> = raw
            .trim_start_matches("attach_names=")
            .split(',')
            .map(|item| {
                form_urlencoded::parse(format!("x={item}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(items, names);
    }
}
