"""The OpenAPI 3.1 description of `qa serve` (GET /openapi.json), written out by hand: five endpoints do not need a
framework to generate it, and written here it says exactly what the records hold."""

from __future__ import annotations

from typing import Any

_STR_OR_NULL = {"type": ["string", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"]}


def _answer() -> dict[str, Any]:
    ints = ("rank", "start", "end", "highlight_start", "highlight_end")
    strings = ("source", "title", "passage", "highlight")
    optional = ("short_answer", "date", "author", "section", "url")
    props: dict[str, Any] = {name: {"type": "integer"} for name in ints}
    props.update({name: {"type": "string"} for name in strings})
    props.update({name: _STR_OR_NULL for name in optional})
    props.update(
        score={"type": "number", "minimum": 0, "maximum": 1},
        also_in={"type": "array", "items": {"type": "string"}, "description": "other articles stating the same fact"},
        short_answer_start=_INT_OR_NULL,
        short_answer_end=_INT_OR_NULL,
        page=_INT_OR_NULL,
    )
    return {"type": "object", "properties": props, "required": [*ints, *strings, "score", "also_in"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    why = {400: "the body or a parameter cannot be used", 401: "missing or wrong bearer token (when the server has one)",
           404: "not in the index", 503: "the index is loading (retry after a second) or could not be loaded"}  # fmt: skip
    return {str(c): {"description": why[c], "content": {"application/json": {"schema": _ref("Error")}}} for c in codes}


def schema() -> dict[str, Any]:
    filters = {
        "type": "object",
        "description": "Restrict the search itself (the top k fills with matching passages).",
        "properties": {
            "since": {"type": "string", "description": "date, month or year (2005-03-11, 2005-03, 2005, March 2005)"},
            "until": {"type": "string", "description": "inclusive; a month or year runs to its last day"},
            "section": {"type": "string", "description": "the article's section, any case"},
            "source": {"type": "string", "description": "glob over the source path or outlet, e.g. business/*"},
            "author": {"type": "string", "description": "a byline holding this, any case"},
        },
        "additionalProperties": False,
    }
    top_k = {"type": "integer", "minimum": 1, "maximum": 100, "description": "answers per question [5]"}
    article_fields = {name: _STR_OR_NULL for name in ("title", "date", "author", "section", "url", "outlet")}
    listed = {"type": "object", "properties": {"source": {"type": "string"}, **article_fields,
                                               "passages": {"type": "integer"}}}  # fmt: skip
    params = [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in ("since", "until", "section", "source", "author")
    ] + [
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}},
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 10000}},
    ]  # fmt: skip
    # fmt: off
    return {
        "openapi": "3.1.0",
        "info": {"title": "qa serve", "version": "1",
                 "description": "Extractive answers from the indexed news articles, with sources and offsets."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "Filters": filters,
                "Answer": _answer(),
                "Record": {
                    "type": "object",
                    "description": "the record of `qa ask --format json`",
                    "properties": {
                        "id": {"type": "string"}, "question": {"type": "string"}, "answered": {"type": "boolean"},
                        "answers": {"type": "array", "items": _ref("Answer")}, "read_as": _STR_OR_NULL,
                    },
                    "required": ["id", "question", "answered", "answers"],
                },
            },
        },
        "security": [{"bearer": []}, {}],
        "paths": {
            "/ask": {"post": {
                "summary": "Answer one question",
                "requestBody": _json_body({"type": "object", "required": ["question"], "properties": {
                    "question": {"type": "string"}, "id": {"type": ["string", "integer"]}, "top_k": top_k,
                    "filters": _ref("Filters")}}),
                "responses": {"200": _ok("the answers", _ref("Record")), **_errors(400, 401, 503)},
            }},
            "/ask/batch": {"post": {
                "summary": "Answer many questions (records in the order asked)",
                "requestBody": _json_body({"type": "object", "required": ["questions"], "properties": {
                    "questions": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"oneOf": [
                        {"type": "string"},
                        {"type": "object", "required": ["question"],
                         "properties": {"id": {"type": ["string", "integer"]}, "question": {"type": "string"}}},
                    ]}},
                    "top_k": top_k, "filters": _ref("Filters")}}),
                "responses": {"200": _ok("one record per question", {"type": "array", "items": _ref("Record")}),
                              **_errors(400, 401, 503)},
            }},
            "/articles": {"get": {
                "summary": "The indexed articles, by source",
                "parameters": params,
                "responses": {"200": _ok("a page of articles", {"type": "object", "properties": {
                    "total": {"type": "integer"}, "offset": {"type": "integer"},
                    "articles": {"type": "array", "items": listed}}}), **_errors(400, 401, 503)},
            }},
            "/articles/{source}": {"get": {
                "summary": "One article: the indexed text (answer offsets index into it) and its metadata",
                "parameters": [{"name": "source", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _ok("the article", {"type": "object", "properties": {
                    "source": {"type": "string"}, **article_fields, "kind": {"type": "string"},
                    "pages": {"type": "array", "items": {"type": "integer"}},
                    "passages": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}},
                                 "description": "[start, end] of each passage in text"},
                    "text": {"type": "string"}}}), **_errors(401, 404, 503)},
            }},
            "/health": {"get": {
                "summary": "The index version answering, its counts and model",
                "responses": {"200": _ok("ready", {"type": "object", "properties": {
                    "status": {"type": "string"}, "version": {"type": "string"}, "articles": {"type": "integer"},
                    "chunks": {"type": "integer"}, "model": {"type": "string"}, "built_at": {"type": "string"},
                    "swaps": {"type": "integer"}, "batches": {"type": "integer"}}}), **_errors(401, 503)},
            }},
            "/openapi.json": {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI"}}}},
        },
    }
    # fmt: on
