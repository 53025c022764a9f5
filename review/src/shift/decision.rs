//! The supervisor's decision on a shift: approve it, say it has issues, or
//! reject it, with a comment to the officer. Reviews are an append-only
//! history on the server; the latest decision counts.
use crate::use_ctx;
use beatbook_core::review::{review_label, ReviewRequest, ReviewRow, REVIEW_STATES};
use leptos::prelude::*;

/// The server's limit on a comment, in characters.
const MAX_COMMENT: usize = 2000;

/// The words on each choice (the states themselves are in core).
fn choice_label(state: &str) -> &'static str {
    match state {
        "approved" => "Approve",
        "has_issues" => "Has issues",
        "rejected" => "Reject",
        _ => "Unknown",
    }
}

/// Whether a decision must explain itself to the officer (the server
/// refuses these without a comment, too).
fn needs_comment(state: &str) -> bool {
    state != "approved"
}

/// Whether the shift is the signed-in supervisor's own (officer IDs
/// ignore case, as signing in does): nobody decides on their own shift.
pub fn is_own_shift(owner: &str, me: &str) -> bool {
    owner.eq_ignore_ascii_case(me)
}

/// In place of the form on a supervisor's own shift.
#[component]
pub fn OwnShiftNote() -> impl IntoView {
    view! {
        <section class="review-section no-print" aria-labelledby="decide-title">
            <h3 id="decide-title">"Review this shift"</h3>
            <p class="own-shift" role="note">
                <strong>"Yours: another supervisor signs this off."</strong>
                " A supervisor of the team, not you, approves, marks issues on or rejects your own shift."
            </p>
        </section>
    }
}

#[derive(Clone, PartialEq)]
enum Status {
    Idle,
    Sending,
    Recorded(String),
    Problem(String),
}

#[component]
pub fn ReviewForm(shift_id: String, reviews: RwSignal<Vec<ReviewRow>>) -> impl IntoView {
    let ctx = use_ctx();
    let decision = RwSignal::new(None::<&'static str>);
    let comment = RwSignal::new(String::new());
    let status = RwSignal::new(Status::Idle);
    // Set when the comment is what stopped the form, to mark the box.
    let comment_missing = RwSignal::new(false);
    let comment_box = NodeRef::<leptos::html::Textarea>::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if status.get_untracked() == Status::Sending {
            return;
        }
        let Some(state) = decision.get_untracked() else {
            status.set(Status::Problem(
                "Choose a decision: Approve, Has issues or Reject.".into(),
            ));
            return;
        };
        let text = comment.get_untracked().trim().to_owned();
        if needs_comment(state) && text.is_empty() {
            comment_missing.set(true);
            status.set(Status::Problem(format!(
                "Write a comment to the officer: it is required for “{}”.",
                choice_label(state)
            )));
            if let Some(el) = comment_box.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        comment_missing.set(false);
        status.set(Status::Sending);
        let body = ReviewRequest {
            state: state.to_owned(),
            comment: text,
        };
        let shift_id = shift_id.clone();
        let token = ctx.token.get_value();
        // Scoped: cancelled if the shift is left meanwhile.
        leptos::task::spawn_local_scoped(async move {
            match beatbook_client::review_shift(&token, &shift_id, &body).await {
                Ok(row) => {
                    let words = format!("Decision recorded: {}", review_label(&row.state));
                    reviews.try_update(|r| r.push(row));
                    decision.try_set(None);
                    comment.try_set(String::new());
                    status.try_set(Status::Recorded(words));
                }
                Err(e) => {
                    status.try_set(Status::Problem(crate::say(&e)));
                }
            }
        });
    };

    let choices = REVIEW_STATES
        .iter()
        .map(|&state| {
            let id = format!("decision-{state}");
            view! {
                <label class="choice" for=id.clone()>
                    <input type="radio" id=id.clone() name="decision" value=state
                        prop:checked=move || decision.get() == Some(state)
                        on:change=move |_| {
                            decision.set(Some(state));
                            comment_missing.set(false);
                        } />
                    {choice_label(state)}
                </label>
            }
        })
        .collect_view();
    let comment_required = move || decision.get().is_some_and(needs_comment);
    let recorded = move || match status.get() {
        Status::Sending => "Recording the decision…".to_owned(),
        Status::Recorded(words) => words,
        _ => String::new(),
    };
    let problem = move || match status.get() {
        Status::Problem(words) => words,
        _ => String::new(),
    };
    view! {
        <section class="review-section no-print" aria-labelledby="decide-title">
            <h3 id="decide-title">"Review this shift"</h3>
            <form class="review-form" on:submit=submit novalidate>
                <fieldset class="decision">
                    <legend>"Decision"</legend>
                    <div class="choices">{choices}</div>
                </fieldset>
                <div class="field" class:invalid=move || comment_missing.get()>
                    <label for="review-comment">"Comment to the officer"</label>
                    <p class="hint" id="review-comment-hint">
                        {move || if comment_required() {
                            "Required for this decision: say what the officer must add or put right."
                        } else {
                            "Required for Has issues and Reject; optional for Approve. The officer reads it."
                        }}
                    </p>
                    <textarea id="review-comment" rows="4" maxlength=MAX_COMMENT.to_string()
                        node_ref=comment_box
                        aria-describedby="review-comment-hint review-problem"
                        aria-invalid=move || comment_missing.get().then_some("true")
                        prop:value=move || comment.get()
                        on:input=move |ev| {
                            comment.set(event_target_value(&ev));
                            comment_missing.set(false);
                        }></textarea>
                </div>
                <p class="error" id="review-problem" role="alert">{problem}</p>
                <p class="recorded" role="status">{recorded}</p>
                <div class="actions">
                    <button type="submit" class="primary"
                        disabled=move || status.get() == Status::Sending>"Record decision"</button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ones_own_shift_is_recognised_whatever_the_case() {
        assert!(is_own_shift("SGT100", "SGT100"));
        assert!(is_own_shift("sgt100", "SGT100"));
        assert!(!is_own_shift("PC1000", "SGT100"));
    }
}
