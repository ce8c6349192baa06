//! KPI cards: each figure for the window and for the window of the same length before it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params_from_iter, types::Value as SqlValue};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::*;

/// `POST /projects/{id}/kpi-cards` body.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct KpiCardRequest {
    #[serde(default)]
    pub entity_type: Option<String>,
    #[serde(default)]
    pub filters: Option<String>,
    #[serde(default, with = "opik_model::ts::opt")]
    pub interval_start: Option<DateTime<Utc>>,
    #[serde(default, with = "opik_model::ts::opt")]
    pub interval_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KpiMetric {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct KpiCardResponse {
    pub stats: Vec<KpiMetric>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Kpi {
    count: f64,
    errors: f64,
    dur_sum: f64,
    dur_n: f64,
    cost: f64,
}

pub(super) fn kpi_window(
    conn: &Connection,
    entity: Entity,
    project_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    filter: &Option<(String, Vec<SqlValue>)>,
) -> rusqlite::Result<Kpi> {
    let lo = id_lower_bound(start.timestamp_millis());
    let hi = id_lower_bound(end.timestamp_millis() + 1);
    let mut params: Vec<SqlValue> = vec![project_id.to_string().into(), lo.into(), hi.into()];
    let f = match filter {
        Some((sql, p)) if !sql.trim().is_empty() => {
            params.extend(p.iter().cloned());
            format!(" AND ({sql})")
        }
        _ => String::new(),
    };
    let sql = match entity {
        Entity::Traces | Entity::Spans => {
            let (table, a, cost) = if entity == Entity::Traces {
                ("traces", "t", "total_estimated_cost")
            } else {
                ("spans", "s", "est_cost")
            };
            format!(
                "SELECT count(*), coalesce(sum({a}.error_info IS NOT NULL AND {a}.error_info <> '' AND {a}.error_info <> 'null'), 0), \
                 coalesce(sum({a}.duration), 0.0), count({a}.duration), coalesce(sum({a}.{cost}), 0.0) \
                 FROM {table} {a} WHERE {a}.project_id = ?1 AND {a}.has_create = 1 AND {a}.id >= ?2 AND {a}.id < ?3{f}"
            )
        }
        Entity::Threads => format!(
            "SELECT count(*), 0, 0.0, 0, 0.0 FROM threads th \
             WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f}"
        ),
    };
    let mut k = conn.query_row(&sql, params_from_iter(params.iter()), |r| {
        Ok(Kpi {
            count: r.get::<_, i64>(0)? as f64,
            errors: r.get::<_, i64>(1)? as f64,
            dur_sum: r.get::<_, f64>(2)?,
            dur_n: r.get::<_, i64>(3)? as f64,
            cost: r.get::<_, f64>(4)?,
        })
    })?;
    if entity == Entity::Threads {
        // Thread duration, errors and cost come from the thread's traces.
        let lo = id_lower_bound(start.timestamp_millis());
        let hi = id_lower_bound(end.timestamp_millis() + 1);
        let mut params: Vec<SqlValue> = vec![project_id.to_string().into(), lo.into(), hi.into()];
        let f = match filter {
            Some((sql, p)) if !sql.trim().is_empty() => {
                params.extend(p.iter().cloned());
                format!(" AND ({sql})")
            }
            _ => String::new(),
        };
        let sql = format!(
            "SELECT min(t.start_time), max(t.end_time), \
             max(t.error_info IS NOT NULL AND t.error_info <> '' AND t.error_info <> 'null'), \
             coalesce(sum(t.total_estimated_cost), 0.0) FROM threads th \
             JOIN traces t ON t.project_id = th.project_id AND t.thread_id = th.thread_id AND t.has_create = 1 \
             WHERE th.project_id = ?1 AND th.thread_model_id >= ?2 AND th.thread_model_id < ?3{f} \
             GROUP BY th.thread_model_id"
        );
        let mut st = conn.prepare(&sql)?;
        let mut rows = st.query(params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            let s: Option<String> = r.get(0)?;
            let e: Option<String> = r.get(1)?;
            if let (Some(s), Some(e)) = (
                s.as_deref().and_then(opik_model::ts::parse),
                e.as_deref().and_then(opik_model::ts::parse),
            ) {
                k.dur_sum += (e - s).num_microseconds().unwrap_or(0) as f64 / 1000.0;
                k.dur_n += 1.0;
            }
            k.errors += r.get::<_, Option<i64>>(2)?.unwrap_or(0) as f64;
            k.cost += r.get::<_, f64>(3)?;
        }
    }
    Ok(k)
}

/// KPI cards for `[start, end]` and the equally long window just before it.
pub fn kpi_cards(
    conn: &Connection,
    entity: Entity,
    project_id: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    filter: &Option<(String, Vec<SqlValue>)>,
) -> rusqlite::Result<KpiCardResponse> {
    let pid = project_id.to_string();
    let len = end - start;
    let cur = kpi_window(conn, entity, &pid, start, end, filter)?;
    let prev_end = start - Duration::milliseconds(1);
    let prev = kpi_window(conn, entity, &pid, start - len, prev_end, filter)?;
    let card = |kind: &str, f: &dyn Fn(&Kpi) -> Option<f64>| KpiMetric {
        kind: kind.to_string(),
        current_value: f(&cur),
        previous_value: f(&prev),
    };
    Ok(KpiCardResponse {
        stats: vec![
            card("count", &|k| Some(k.count)),
            card("errors", &|k| {
                (k.count > 0.0).then(|| k.errors / k.count * 100.0)
            }),
            card("avg_duration", &|k| {
                (k.dur_n > 0.0).then(|| k.dur_sum / k.dur_n)
            }),
            card("total_cost", &|k| Some(k.cost)),
        ],
    })
}

/// Group helper used by tests and stats: per-name averages.
pub fn averages(pairs: impl IntoIterator<Item = (String, f64)>) -> BTreeMap<String, f64> {
    let mut acc: HashMap<String, (f64, f64)> = HashMap::new();
    for (k, v) in pairs {
        let e = acc.entry(k).or_default();
        e.0 += v;
        e.1 += 1.0;
    }
    acc.into_iter().map(|(k, (s, n))| (k, s / n)).collect()
}
