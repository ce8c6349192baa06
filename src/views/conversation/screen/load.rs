//! Loading the conversation (its traces, page by page, and the Opik thread) and the thread
//! actions (close, comment, tags, score, add to a queue) as background tasks.

use super::{ConversationMsg, ConversationScreen, MAX_TURNS, Unit};
use crate::app::Ctx;
use crate::opik::client::ListQuery;
use crate::opik::conversations::Grouping;
use crate::opik::error::ApiError;
use crate::opik::model::{
    AnnotationQueue, FeedbackDefinition, FeedbackScoreBatch, FeedbackScoreItem, Filter, Sorting,
    ThreadUpdate, Trace,
};
use crate::render::markdown;
use uuid::Uuid;

impl ConversationScreen {
    pub(super) fn load(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        self.load_thread(ctx);
        let Some(client) = self.client() else { return };
        let project = self.conv.project.clone();
        let thread_id = self.conv.thread_id.clone();
        let filter = match &self.conv.grouping {
            Grouping::ThreadId => Filter::new("thread_id", "=", thread_id.clone()),
            Grouping::Metadata(k) => Filter::keyed("metadata", k, "=", thread_id.clone()),
        };
        ctx.spawn("traces", async move {
            let r: Result<Vec<Trace>, ApiError> = async {
                let mut out = Vec::new();
                let mut page = 1;
                loop {
                    let q = ListQuery {
                        project_name: Some(project.clone()),
                        page,
                        size: 200,
                        filters: vec![filter.clone()],
                        sorting: vec![Sorting {
                            field: "start_time".into(),
                            direction: "ASC".into(),
                        }],
                        truncate: false,
                        ..ListQuery::default()
                    };
                    let p = client.list_traces(&q).await?;
                    let n = p.content.len();
                    out.extend(p.content);
                    let total = p.total.unwrap_or(0).max(0) as usize;
                    if n == 0 || out.len() >= total || out.len() >= MAX_TURNS as usize {
                        break;
                    }
                    page += 1;
                }
                // Dify's `generate_name_trace` shares the conversation id but is no turn.
                out.retain(|t| !crate::opik::dify::is_side_trace(t));
                Ok(out)
            }
            .await;
            ConversationMsg::Traces(r)
        });
    }

    pub(super) fn load_thread(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        if self.conv.grouping != Grouping::ThreadId {
            return;
        }
        let Some(client) = self.client() else { return };
        let project = self.project_ref();
        let thread_id = self.conv.thread_id.clone();
        ctx.spawn("thread", async move {
            ConversationMsg::Thread(client.retrieve_thread(&project, &thread_id).await)
        });
    }

    pub(super) fn thread_model_id(&self) -> Option<Uuid> {
        self.conv.thread.as_ref().and_then(|t| t.thread_model_id)
    }

    pub(super) fn spawn_unit<F>(
        &mut self,
        key: &'static str,
        ctx: &mut Ctx<ConversationMsg>,
        fut: F,
    ) where
        F: std::future::Future<Output = Unit> + Send + 'static,
    {
        ctx.spawn(key, async move {
            ConversationMsg::Done {
                key,
                res: fut.await,
            }
        });
    }

    pub(super) fn close_thread(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        if !self.conv.is_active() {
            ctx.toast_info("this thread is already inactive");
            return;
        }
        let project = self.project_ref();
        let id = self.conv.thread_id.clone();
        self.spawn_unit("close", ctx, async move {
            client.close_thread(&project, &id).await
        });
    }

    pub(super) fn add_comment(&mut self, text: String, ctx: &mut Ctx<ConversationMsg>) {
        let (Some(client), Some(model_id)) = (self.client(), self.thread_model_id()) else {
            ctx.toast_error("the thread is not loaded yet: try again in a moment");
            return;
        };
        self.spawn_unit("comment", ctx, async move {
            client
                .add_thread_comment(model_id, &text, None)
                .await
                .map(|_| ())
        });
    }

    /// `reviewed, billing` or `+a -b c`: tags split on commas and whitespace
    /// ([`crate::opik::tags`]); `-b` removes `b`.
    pub(super) fn apply_tags(&mut self, text: &str, ctx: &mut Ctx<ConversationMsg>) {
        let (Some(client), Some(model_id)) = (self.client(), self.thread_model_id()) else {
            ctx.toast_error("the thread is not loaded yet: try again in a moment");
            return;
        };
        let current = self
            .conv
            .thread
            .as_ref()
            .and_then(|t| t.tags.as_deref())
            .unwrap_or_default();
        let tags = crate::opik::tags::apply(current, text);
        let update = ThreadUpdate {
            tags: Some(tags),
            ..ThreadUpdate::default()
        };
        self.spawn_unit("tag", ctx, async move {
            client.update_thread(model_id, &update).await
        });
    }

    pub(super) fn put_thread_score(
        &mut self,
        name: String,
        value: f64,
        category: Option<String>,
        ctx: &mut Ctx<ConversationMsg>,
    ) {
        let Some(client) = self.client() else { return };
        let batch = FeedbackScoreBatch {
            scores: vec![FeedbackScoreItem {
                thread_id: Some(self.conv.thread_id.clone()),
                project_name: Some(self.conv.project.clone()),
                name,
                value: Some(value),
                category_name: category,
                source: Some("ui".into()),
                ..FeedbackScoreItem::default()
            }],
        };
        self.spawn_unit("score", ctx, async move {
            client.put_thread_scores(&batch).await
        });
    }

    pub(super) fn open_definitions(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        ctx.spawn("defs", async move {
            let r: Result<Vec<FeedbackDefinition>, ApiError> = client
                .list_feedback_definitions(1, 200, None)
                .await
                .map(|p| p.content);
            ConversationMsg::Defs(r)
        });
    }

    pub(super) fn open_queues(&mut self, ctx: &mut Ctx<ConversationMsg>) {
        let Some(client) = self.client() else { return };
        ctx.spawn("queues", async move {
            let r: Result<Vec<AnnotationQueue>, ApiError> = client
                .list_queues(1, 200, None, &[])
                .await
                .map(|p| p.content);
            ConversationMsg::Queues(r)
        });
    }
}

/// Render large markdown bodies (fills the markdown cache) in a blocking task.
pub(super) async fn render_large(items: Vec<(String, u16)>, theme: crate::theme::Theme) {
    let _ = tokio::task::spawn_blocking(move || {
        for (src, width) in items {
            markdown::render(&src, width, &theme);
        }
    })
    .await;
}
