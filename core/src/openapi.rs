//! Schemas written by hand for the types whose JSON is not what
//! `#[derive(utoipa::ToSchema)]` would say (hand-written serde in `ids`,
//! `codes`). Only with the `openapi` feature, which only the server enables:
//! the app's download never carries any of this.
use utoipa::openapi::schema::{Object, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;

/// A client-made ID: a UUID, hyphenated.
pub fn uuid_schema() -> RefOr<Schema> {
    Object::builder()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::Custom("uuid".into())))
        .into()
}

/// A value of a fixed code list: one of `codes`.
pub fn code_schema(codes: &[&str]) -> RefOr<Schema> {
    Object::builder()
        .schema_type(Type::String)
        .enum_values(Some(codes.iter().copied()))
        .into()
}
