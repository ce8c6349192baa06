//! Turns a [`ScreenRequest`] into a screen. This is the one place that knows every screen:
//! add an arm here when you add a screen (see the `app` module docs).

use std::rc::Rc;

use super::AppEnv;
use super::screen::{DynScreen, ScreenRequest};
use super::shell::Opener;
use crate::views;

/// Build the screen for `req`.
pub fn open(req: &ScreenRequest, env: &Rc<AppEnv>) -> Result<Box<dyn DynScreen>, String> {
    match req {
        ScreenRequest::Projects => Ok(Box::new(views::projects::ProjectsScreen::new(env.clone()))),
        ScreenRequest::Traces { project } => Ok(Box::new(views::traces::TracesScreen::new(
            env.clone(),
            project,
        ))),
        ScreenRequest::Trace { project, trace_id } => Ok(Box::new(
            views::trace_view::TraceViewScreen::new(env.clone(), project, *trace_id),
        )),
        ScreenRequest::ConversationOf { project, trace_id } => Ok(Box::new(
            views::conversation::ConversationScreen::for_trace(env.clone(), project, *trace_id),
        )),
        ScreenRequest::Threads { project } => Ok(Box::new(views::threads::ThreadsScreen::new(
            env.clone(),
            project,
        ))),
        ScreenRequest::ThreadsBy { project, by } => {
            let grouping = crate::opik::conversations::Grouping::parse(by).ok_or_else(|| {
                format!("cannot group threads by `{by}`: give thread_id or a metadata key")
            })?;
            Ok(Box::new(
                views::threads::ThreadsScreen::new(env.clone(), project).grouped_by(grouping),
            ))
        }
        ScreenRequest::Thread { project, thread_id } => Ok(Box::new(
            views::conversation::ConversationScreen::new(env.clone(), project, thread_id),
        )),
        ScreenRequest::Compare {
            project,
            a,
            b,
            range,
            scope,
        } => Ok(Box::new(views::compare::CompareScreen::new(
            env.client.clone(),
            project,
            (a.clone(), b.clone()),
            *range,
            *scope,
        ))),
        ScreenRequest::Queues => Ok(Box::new(views::queues::QueuesScreen::new(
            env.client.clone(),
        ))),
        ScreenRequest::Dashboard { project } => {
            Ok(Box::new(views::dashboard::DashboardScreen::new(
                env.client.clone(),
                project.clone(),
                env.dashboard_refresh,
            )))
        }
        ScreenRequest::Annotate { queue } => Ok(Box::new(views::annotate::AnnotateScreen::new(
            env.client.clone(),
            queue.clone(),
        ))),
    }
}

/// An [`Opener`] for the shell.
pub fn opener(env: Rc<AppEnv>) -> Opener {
    Box::new(move |req: &ScreenRequest| open(req, &env))
}
