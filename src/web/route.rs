//! Every route's handler behind one type, for the router ([`crate::routes`]).
//!
//! axum copies a route's handler into each method it serves as the router is built, and a
//! handler's type brings code of its own for that copy and for joining it to the state. Each
//! handler had its own, laid beside that handler's code unless `packaging/link-order.txt`
//! names it, and those names change with ordinary changes: building the router at start then
//! reached into some 140 places over 3 MB of the program, and the system maps 64 KB of it
//! around each, so an idle server held 3 MB more of its own code (a page-fault record at start
//! showed 45 of its 170 faults in that copying). Behind one type there is one copy of that
//! code, wherever it lands. A request costs one more indirect call.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::extract::Request;
use axum::handler::Handler;
use axum::response::Response;
use axum::routing::{self, MethodRouter};

use crate::AppState;

type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

/// A handler of any type, called through one.
#[derive(Clone)]
pub struct One(Arc<dyn Fn(Request, AppState) -> Answer + Send + Sync>);

/// `handler` behind the one type.
pub fn one<H, T>(handler: H) -> One
where
    H: Handler<T, AppState>,
    T: 'static,
{
    One(Arc::new(move |req, state| {
        Box::pin(handler.clone().call(req, state))
    }))
}

impl Handler<(), AppState> for One {
    type Future = Answer;

    fn call(self, req: Request, state: AppState) -> Answer {
        (self.0)(req, state)
    }
}

/// `GET` (and `HEAD`) answered by `handler`.
pub fn get<H, T>(handler: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    routing::get(one(handler))
}

/// `POST` answered by `handler`.
pub fn post<H, T>(handler: H) -> MethodRouter<AppState>
where
    H: Handler<T, AppState>,
    T: 'static,
{
    routing::post(one(handler))
}

/// A page (`GET`) and the form it posts (`POST`) at one path.
pub fn get_post<G, TG, P, TP>(show: G, submit: P) -> MethodRouter<AppState>
where
    G: Handler<TG, AppState>,
    TG: 'static,
    P: Handler<TP, AppState>,
    TP: 'static,
{
    get(show).post(one(submit))
}
