//! Deterministic answers for `ListSyncTaskStatistic`
//! (`GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics`).
//!
//! The numbers are a pure function of the task id, the data type and the time stamp, so
//! a test can compute exactly what a client must show ([`statistic_num`]) without the
//! server keeping any history. They are self-consistent (`REQUEST` = `SUCCESS` +
//! `FAILURE` + `SKIP`, `SIZE` grows with `SUCCESS`), and `SIZE` regularly exceeds 2^53 so
//! a client that passes numbers through a float is caught; the int64 sample task answers
//! values next to `i64::MAX`.

use serde_json::{json, Value};

use crate::samples::INT64_TASK_ID;

/// The statistic kinds the API knows (`data_type`), in the SDK's documented order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataType {
    /// `REQUEST`: every object considered; the sum of the next three.
    Request,
    /// `SUCCESS`: objects synchronised.
    Success,
    /// `FAILURE`: objects that failed, so clients see non-zero failures.
    Failure,
    /// `SKIP`: objects skipped as already present.
    Skip,
    /// `SIZE`: bytes synchronised; large enough to catch float round-tripping.
    Size,
}

impl DataType {
    /// Lets callers and tests iterate every kind without missing a new one.
    pub const ALL: [DataType; 5] =
        [DataType::Request, DataType::Success, DataType::Failure, DataType::Skip, DataType::Size];

    /// Exact, case-sensitive match, as the service is strict about `data_type`.
    pub fn parse(s: &str) -> Option<DataType> {
        DataType::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// The wire name, used both for parsing and in response bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            DataType::Request => "REQUEST",
            DataType::Success => "SUCCESS",
            DataType::Failure => "FAILURE",
            DataType::Skip => "SKIP",
            DataType::Size => "SIZE",
        }
    }
}

/// The spacing of the points (`statistic_time_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeType {
    /// `FIVE_MINUTES`: ranges of up to a day.
    FiveMinutes,
    /// `ONE_HOUR`: longer ranges, so answers stay small.
    OneHour,
}

impl TimeType {
    /// Ranges up to [`FIVE_MINUTE_RANGE_LIMIT_MS`] come in five-minute points, longer ones hourly.
    pub fn for_range(start_ms: i64, end_ms: i64) -> TimeType {
        if end_ms.saturating_sub(start_ms) <= FIVE_MINUTE_RANGE_LIMIT_MS {
            TimeType::FiveMinutes
        } else {
            TimeType::OneHour
        }
    }

    /// The wire name of `statistic_time_type` in response bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeType::FiveMinutes => "FIVE_MINUTES",
            TimeType::OneHour => "ONE_HOUR",
        }
    }

    /// The spacing of the points, for aligning time stamps to the grid.
    pub fn step_ms(self) -> i64 {
        match self {
            TimeType::FiveMinutes => 5 * 60 * 1000,
            TimeType::OneHour => 60 * 60 * 1000,
        }
    }
}

/// One day: the longest range answered in five-minute points.
pub const FIVE_MINUTE_RANGE_LIMIT_MS: i64 = 24 * 60 * 60 * 1000;
/// 31 days: the longest range this server answers (at most 744 hourly points per type),
/// so a response stays well under a client's body-size cap.
pub const MAX_RANGE_MS: i64 = 31 * 24 * 60 * 60 * 1000;

/// The time stamps answered for a range: every multiple of the step within
/// `[start_ms, end_ms]`.
pub fn time_stamps(start_ms: i64, end_ms: i64) -> Vec<i64> {
    let step = TimeType::for_range(start_ms, end_ms).step_ms();
    let first = start_ms.div_euclid(step) * step + if start_ms.rem_euclid(step) == 0 { 0 } else { step };
    let mut out = Vec::new();
    let mut t = first;
    while t <= end_ms {
        out.push(t);
        match t.checked_add(step) {
            Some(next) => t = next,
            None => break,
        }
    }
    out
}

/// FNV-1a over the task id and the time stamp: stable across runs and platforms.
fn mix(task_id: &str, time_stamp: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in task_id.bytes().chain(time_stamp.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The value of one point, exactly as the server answers it.
pub fn statistic_num(task_id: &str, data_type: DataType, time_stamp: i64) -> i64 {
    if task_id == INT64_TASK_ID {
        let below_max = i64::try_from(mix(task_id, time_stamp) % 1000).unwrap_or(0);
        return i64::MAX - below_max - data_type_rank(data_type);
    }
    let h = mix(task_id, time_stamp);
    // All below 2^10 except SIZE; the casts cannot truncate.
    let request = (h % 1000) as i64;
    let failure = ((h >> 10) % (request as u64 / 10 + 1)) as i64;
    let skip = ((h >> 20) % (request as u64 / 20 + 1)) as i64;
    let success = request - failure - skip;
    match data_type {
        DataType::Request => request,
        DataType::Success => success,
        DataType::Failure => failure,
        DataType::Skip => skip,
        // Up to 999 objects of up to 2^44 bytes: past 2^53 often enough to matter.
        DataType::Size => success * (h.rotate_left(17) % (1 << 44)) as i64,
    }
}

fn data_type_rank(d: DataType) -> i64 {
    match d {
        DataType::Request => 0,
        DataType::Success => 1,
        DataType::Failure => 2,
        DataType::Skip => 3,
        DataType::Size => 4,
    }
}

/// The full response body for a task, the data types in the order asked, and a range the
/// caller has validated (`start_ms < end_ms`, at most [`MAX_RANGE_MS`]).
pub fn statistics_body(task_id: &str, data_types: &[DataType], start_ms: i64, end_ms: i64) -> Value {
    let stamps = time_stamps(start_ms, end_ms);
    let datas: Vec<Value> = data_types
        .iter()
        .map(|&d| {
            let data: Vec<Value> = stamps
                .iter()
                .map(|&t| json!({"time_stamp": t, "statistic_num": statistic_num(task_id, d, t)}))
                .collect();
            json!({"data_type": d.as_str(), "data": data})
        })
        .collect();
    json!({
        "sync_task_id": task_id,
        "statistic_time_type": TimeType::for_range(start_ms, end_ms).as_str(),
        "statistic_datas": datas,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_types_round_trip() {
        for d in DataType::ALL {
            assert_eq!(DataType::parse(d.as_str()), Some(d));
        }
        assert_eq!(DataType::parse("request"), None);
        assert_eq!(DataType::parse(""), None);
    }

    #[test]
    fn stamps_are_aligned_and_inside_the_range() {
        let five = 300_000;
        assert_eq!(time_stamps(0, 2 * five), [0, five, 2 * five]);
        assert_eq!(time_stamps(1, 2 * five - 1), [five]);
        assert!(time_stamps(1, five - 1).is_empty());
        let hour = 3_600_000;
        let day = 24 * hour;
        assert_eq!(TimeType::for_range(0, day), TimeType::FiveMinutes);
        assert_eq!(TimeType::for_range(0, day + 1), TimeType::OneHour);
        assert_eq!(time_stamps(1, day + 1).len(), 288, "one day is still five-minute points");
        assert_eq!(time_stamps(1, day + 2).len(), 24);
        assert_eq!(time_stamps(0, MAX_RANGE_MS).len(), 31 * 24 + 1);
        assert_eq!(time_stamps(i64::MAX - hour * 30, i64::MAX).len(), 30);
    }

    #[test]
    fn numbers_are_consistent_and_deterministic() {
        let mut past_2_53 = false;
        for t in (0..500).map(|i| 1_700_000_000_000 + i * 300_000) {
            let n = |d| statistic_num("some-task", d, t);
            assert_eq!(n(DataType::Request), n(DataType::Success) + n(DataType::Failure) + n(DataType::Skip));
            assert!(n(DataType::Size) >= 0 && n(DataType::Failure) >= 0 && n(DataType::Skip) >= 0);
            past_2_53 |= n(DataType::Size) > 1 << 53;
            assert_eq!(n(DataType::Size), statistic_num("some-task", DataType::Size, t));
        }
        assert!(past_2_53);
        assert!(statistic_num(INT64_TASK_ID, DataType::Size, 0) > i64::MAX - 1010);
    }

    #[test]
    fn body_has_the_sdk_shape() {
        let body = statistics_body("t", &[DataType::Size, DataType::Request], 0, 600_000);
        assert_eq!(body["sync_task_id"], "t");
        assert_eq!(body["statistic_time_type"], "FIVE_MINUTES");
        let datas = body["statistic_datas"].as_array().unwrap();
        assert_eq!(datas.len(), 2);
        assert_eq!(datas[0]["data_type"], "SIZE");
        assert_eq!(datas[1]["data_type"], "REQUEST");
        let points = datas[1]["data"].as_array().unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[1]["time_stamp"], 300_000);
        assert_eq!(points[1]["statistic_num"], statistic_num("t", DataType::Request, 300_000));
    }
}
