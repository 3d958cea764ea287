//! A fully buffered answer (status, headers, content type, body): what every handler returns
//! and what the fault hosts reshape. Its headers are set as given; it never adds one of its own
//! beyond `Content-Type` (unless empty) and `Content-Length`.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub(crate) const REQUEST_ID: &str = "x-okta-request-id";
pub(crate) const RL_LIMIT: &str = "x-rate-limit-limit";
pub(crate) const RL_REMAINING: &str = "x-rate-limit-remaining";
pub(crate) const RL_RESET: &str = "x-rate-limit-reset";

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const HTML: HeaderValue = HeaderValue::from_static("text/html");

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub content_type: HeaderValue,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: StatusCode, headers: HeaderMap, v: &Value) -> Answer {
        Answer::json_text(status, headers, serde_json::to_vec(v).expect("json"))
    }

    /// JSON already serialised (the control endpoints, the fixture file verbatim).
    pub fn json_text(status: StatusCode, headers: HeaderMap, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers,
            content_type: JSON,
            body: body.into(),
        }
    }

    /// No body and no `Content-Type` (Okta's resource-server challenges).
    pub fn empty(status: StatusCode, headers: HeaderMap) -> Answer {
        Answer {
            status,
            headers,
            content_type: HeaderValue::from_static(""),
            body: Vec::new(),
        }
    }

    pub fn html(status: StatusCode, headers: HeaderMap, html: String) -> Answer {
        Answer {
            status,
            headers,
            content_type: HTML,
            body: html.into_bytes(),
        }
    }

    /// Back from a response of the simulator's own handlers (all of them fully buffered), for
    /// the fault hosts to reshape.
    pub async fn from_response(resp: Response) -> Answer {
        let (parts, body) = resp.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        let mut headers = parts.headers;
        let content_type = headers.remove(header::CONTENT_TYPE).unwrap_or(JSON);
        headers.remove(header::CONTENT_LENGTH);
        Answer {
            status: parts.status,
            headers,
            content_type,
            body,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let len = self.body.len();
        let mut resp = Response::new(Body::from(self.body));
        *resp.status_mut() = self.status;
        *resp.headers_mut() = self.headers;
        if !self.content_type.is_empty() {
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, self.content_type);
        }
        set(resp.headers_mut(), header::CONTENT_LENGTH, &len.to_string());
        resp
    }
}

pub(crate) fn set(h: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// Headers holding only a fresh `X-Okta-Request-Id`.
pub(crate) fn request_id_only(id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    set(&mut h, HeaderName::from_static(REQUEST_ID), id);
    h
}

pub(crate) fn html_page(title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p><p>okta-sim</p></body></html>\n"
    )
}
