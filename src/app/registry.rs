//! Turns a [`ScreenRequest`] into a screen. This is the one place that knows every screen:
//! add an arm here when you add a screen (see the `app` module docs).

use std::rc::Rc;

use super::AppEnv;
use super::screen::{Screen, ScreenRequest};
use super::shell::Opener;
use crate::views;

/// Build the screen for `req`.
pub fn open(req: &ScreenRequest, env: &Rc<AppEnv>) -> Result<Box<dyn Screen>, String> {
    match req {
        ScreenRequest::Projects => Ok(Box::new(views::projects::ProjectsScreen::new(env.clone()))),
        ScreenRequest::Traces { project } => Ok(Box::new(views::traces::TracesScreen::new(
            env.clone(),
            project,
        ))),
        ScreenRequest::Trace { project, trace_id } => Ok(Box::new(
            views::trace_view::TraceViewScreen::new(env.clone(), project, *trace_id),
        )),
        ScreenRequest::Threads { .. } => {
            Err("the threads screen is not part of this build yet".into())
        }
        ScreenRequest::Queues => {
            Err("the annotation queues screen is not part of this build yet".into())
        }
        ScreenRequest::Dashboard { .. } => {
            Err("the dashboard is not part of this build yet".into())
        }
        ScreenRequest::Annotate { .. } => {
            Err("the annotation screen is not part of this build yet".into())
        }
    }
}

/// An [`Opener`] for the shell.
pub fn opener(env: Rc<AppEnv>) -> Opener {
    Box::new(move |req: &ScreenRequest| open(req, &env))
}
