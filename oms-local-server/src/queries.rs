//! The query parameters of each API, parsed strictly: only plain decimal digits for
//! numbers (so `+5`, `5.0` or `0x5` do not pass locally and fail live), each parameter at
//! most once, names case-sensitive. Unknown parameters are ignored, as the gateway does.
//! A refusal carries the detail of the `OMS.0003` "Invalid parameter" answer.

use crate::signing::parse_query;
use crate::statistics::{DataType, MAX_RANGE_MS};
use crate::store::TaskStatus;

/// Why a query was refused; the text follows "Invalid parameter: ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidParameter(pub(crate) String);

/// `GET /v2/{project_id}/sync-tasks`: paging and the status filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub(crate) limit: usize,
    pub(crate) offset: u64,
    pub(crate) status: Option<TaskStatus>,
}

/// The service's page size when `limit` is absent.
pub(crate) const DEFAULT_LIMIT: usize = 10;
/// The largest page the service answers.
pub(crate) const MAX_LIMIT: usize = 100;

/// `GET /v2/{project_id}/sync-tasks/{sync_task_id}/statistics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StatisticsQuery {
    /// In the order asked, each once.
    pub(crate) data_types: Vec<DataType>,
    pub(crate) start_time: i64,
    pub(crate) end_time: i64,
}

/// The value of a parameter that may appear at most once.
fn single(pairs: &[(String, String)], name: &str) -> Result<Option<String>, InvalidParameter> {
    let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone());
    let first = values.next();
    if values.next().is_some() {
        return Err(InvalidParameter(format!("{name} must be given once")));
    }
    Ok(first)
}

fn required(pairs: &[(String, String)], name: &str) -> Result<String, InvalidParameter> {
    single(pairs, name)?.ok_or_else(|| InvalidParameter(format!("{name} is required")))
}

/// A Long ≥ 0 written as plain decimal digits.
fn non_negative(name: &str, value: &str) -> Result<i64, InvalidParameter> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvalidParameter(format!("{name} must be a non-negative integer")));
    }
    value.parse::<i64>().map_err(|_| InvalidParameter(format!("{name} exceeds the maximum 9223372036854775807")))
}

/// `query_time` of the show API: mandatory, a Long ≥ 0 per the API reference.
pub(crate) fn show_query(raw_query: Option<&str>) -> Result<i64, InvalidParameter> {
    let pairs = parse_query(raw_query);
    non_negative("query_time", &required(&pairs, "query_time")?)
}

pub(crate) fn list_query(raw_query: Option<&str>) -> Result<ListQuery, InvalidParameter> {
    let pairs = parse_query(raw_query);
    let limit = match single(&pairs, "limit")? {
        None => DEFAULT_LIMIT,
        Some(v) => {
            let n = non_negative("limit", &v)?;
            match usize::try_from(n) {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => return Err(InvalidParameter(format!("limit must be between 1 and {MAX_LIMIT}"))),
            }
        }
    };
    let offset = match single(&pairs, "offset")? {
        None => 0,
        Some(v) => non_negative("offset", &v)?.unsigned_abs(),
    };
    let status = match single(&pairs, "status")? {
        None => None,
        Some(v) => Some(
            TaskStatus::parse(&v)
                .ok_or_else(|| InvalidParameter("status must be SYNCHRONIZING or STOPPED".to_string()))?,
        ),
    };
    Ok(ListQuery { limit, offset, status })
}

pub(crate) fn statistics_query(raw_query: Option<&str>) -> Result<StatisticsQuery, InvalidParameter> {
    let pairs = parse_query(raw_query);
    let mut data_types = Vec::new();
    for item in required(&pairs, "data_type")?.split(',') {
        let data_type = DataType::parse(item).ok_or_else(|| {
            InvalidParameter(format!(
                "data_type {item:?} is not one of REQUEST, SUCCESS, FAILURE, SKIP, SIZE (separate several with ',')"
            ))
        })?;
        if !data_types.contains(&data_type) {
            data_types.push(data_type);
        }
    }
    let start_time = non_negative("start_time", &required(&pairs, "start_time")?)?;
    let end_time = non_negative("end_time", &required(&pairs, "end_time")?)?;
    if end_time <= start_time {
        return Err(InvalidParameter("end_time must be later than start_time".to_string()));
    }
    if end_time - start_time > MAX_RANGE_MS {
        return Err(InvalidParameter("end_time must be at most 31 days after start_time".to_string()));
    }
    Ok(StatisticsQuery { data_types, start_time, end_time })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_time_validation() {
        assert_eq!(show_query(Some("query_time=0")).ok(), Some(0));
        assert_eq!(show_query(Some("a=1&query_time=9223372036854775807")).ok(), Some(i64::MAX));
        for bad in [
            None,
            Some(""),
            Some("query_time="),
            Some("query_time"),
            Some("query_time=-1"),
            Some("query_time=%2B1"),
            Some("query_time=1.0"),
            Some("query_time=9223372036854775808"),
            Some("query_time=99999999999999999999999"),
            Some("query_time=1&query_time=2"),
            Some("query_time=%FF"),
            Some("Query_Time=1"),
        ] {
            assert!(show_query(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(show_query(None), Err(InvalidParameter("query_time is required".into())));
    }

    #[test]
    fn list_defaults_and_bounds() {
        let q = |raw| list_query(Some(raw));
        assert_eq!(list_query(None), Ok(ListQuery { limit: 10, offset: 0, status: None }));
        assert_eq!(
            q("limit=100&offset=200&status=STOPPED"),
            Ok(ListQuery { limit: 100, offset: 200, status: Some(TaskStatus::Stopped) })
        );
        assert_eq!(
            q("limit=1&status=SYNCHRONIZING").map(|l| (l.limit, l.status)),
            Ok((1, Some(TaskStatus::Synchronizing)))
        );
        assert_eq!(q("offset=9223372036854775807").map(|l| l.offset), Ok(i64::MAX.unsigned_abs()));
        assert_eq!(q("unknown=1").map(|l| l.limit), Ok(10));
        for bad in [
            "limit=0",
            "limit=101",
            "limit=",
            "limit=-1",
            "limit=1.5",
            "limit=99999999999999999999",
            "limit=10&limit=20",
            "offset=-1",
            "offset=",
            "offset=%2B1",
            "offset=9223372036854775808",
            "offset=0&offset=0",
            "status=",
            "status=stopped",
            "status=RUNNING",
            "status=STOPPED&status=STOPPED",
        ] {
            assert!(q(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(q("limit=0"), Err(InvalidParameter("limit must be between 1 and 100".into())));
    }

    #[test]
    fn statistics_parameters() {
        let q = |raw| statistics_query(Some(raw));
        assert_eq!(
            q("data_type=SIZE%2CREQUEST,SIZE&start_time=0&end_time=1"),
            Ok(StatisticsQuery { data_types: vec![DataType::Size, DataType::Request], start_time: 0, end_time: 1 })
        );
        assert_eq!(
            q("data_type=REQUEST,SUCCESS,FAILURE,SKIP,SIZE&start_time=5&end_time=2678400005").map(|s| s.data_types),
            Ok(DataType::ALL.to_vec())
        );
        for bad in [
            "start_time=0&end_time=1",
            "data_type=SIZE&end_time=1",
            "data_type=SIZE&start_time=0",
            "data_type=&start_time=0&end_time=1",
            "data_type=SIZE,&start_time=0&end_time=1",
            "data_type=size&start_time=0&end_time=1",
            "data_type=SIZE%20&start_time=0&end_time=1",
            "data_type=SIZE&data_type=SKIP&start_time=0&end_time=1",
            "data_type=SIZE&start_time=1&end_time=1",
            "data_type=SIZE&start_time=2&end_time=1",
            "data_type=SIZE&start_time=-1&end_time=1",
            "data_type=SIZE&start_time=0&end_time=2678400001",
            "data_type=SIZE&start_time=0&end_time=1e3",
        ] {
            assert!(q(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
