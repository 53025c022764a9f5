//! `GET /api/v1/revisions?shift_id=`: an officer reads back one shift the
//! phone no longer holds (its own revisions and those recorded in it), and
//! nobody reads another officer's shift that way.
mod common;

use beatbook_core::RecordKind;
use beatbook_server::http::revisions::RevisionsPage;
use common::*;

#[tokio::test]
async fn a_shift_is_read_back_whole_and_only_by_whom_it_may_be() {
    let server = TestServer::start().await;
    let token = server.officer("officer-r").await;
    let first = revisions(1, "officer-r", 12);
    let second = revisions(2, "officer-r", 8);
    push_ok(&server.base, &token, &as_values(&first)).await;
    push_ok(&server.base, &token, &as_values(&second)).await;
    let shift = first
        .iter()
        .find(|r| r.kind() == RecordKind::Shift)
        .map(|r| r.entry_id)
        .unwrap();
    let want: std::collections::BTreeSet<String> = first
        .iter()
        .filter(|r| r.entry_id == shift || r.shift_id == Some(shift))
        .map(|r| r.id.to_string())
        .collect();
    assert!(want.len() > 1, "the sample shift has entries");

    let page: RevisionsPage = get_json(
        &server.base,
        &token,
        &format!("/api/v1/revisions?shift_id={shift}"),
    )
    .await;
    let got: std::collections::BTreeSet<String> =
        page.revisions.iter().map(|r| r.id.clone()).collect();
    assert_eq!(got, want);

    // Another officer asking for that shift gets none of it.
    let other = server.officer("officer-x").await;
    let page: RevisionsPage = get_json(
        &server.base,
        &other,
        &format!("/api/v1/revisions?shift_id={shift}"),
    )
    .await;
    assert!(page.revisions.is_empty());
    // A shift ID that is not one is a 400 that names the field.
    let res = client()
        .get(format!("{}/api/v1/revisions?shift_id=nope", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("shift_id"));
    server.stop().await;
}
