//! A `response_mode=form_post` answer in the copy: the HTML page whose form posts the code,
//! id_token and state to the redirect URI, rebuilt as the bare page that posts the same form.
//! Its action is walked as a URL and each hidden input as a field of its name (so the code,
//! id_token and state stand as their placeholders do everywhere else); the rest of the page
//! is dropped. Replaced whole, as the policy replaces any HTML, the page would no longer be
//! an answer in the copy, and the findings about its id_token and code would move to the
//! POST that follows it. (A report shows such a page masked whole, as any HTML.)

use crate::secret::policy::{self, Replace};
use crate::secret::SecretKind;

/// The rebuilt page, when `text` is a form_post answer (as the analysis reads one).
pub(super) fn rebuild<R: Replace + ?Sized>(text: &str, r: &mut R) -> Option<String> {
    if !crate::wire::form::holds_html_form(text) {
        return None;
    }
    let (action, inputs) = crate::flow::oidc::form_post_page(text)?;
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = String::with_capacity(text.len().min(4096));
    out.push_str("<html><body onload=\"document.forms[0].submit()\">\n");
    out.push_str("<form method=\"post\" action=\"");
    out.push_str(&escape(&policy::url(&action, r)));
    out.push_str("\">\n");
    for (name, value) in inputs {
        let shown_name = if policy::name_shaped(&name) {
            name.clone()
        } else {
            r.replace(SecretKind::Value, &name)
        };
        let shown_value = policy::value(&name, &value, r);
        out.push_str("<input type=\"hidden\" name=\"");
        out.push_str(&escape(&shown_name));
        out.push_str("\" value=\"");
        out.push_str(&escape(&shown_value));
        out.push_str("\"/>\n");
    }
    out.push_str("</form>\n</body></html>\n");
    Some(out)
}
