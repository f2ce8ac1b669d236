//! `audit why --athena`: when the archive is too large to scan, the Athena
//! table for the trail's logs (partition projection over account, region
//! and day, so no crawler and no `MSCK REPAIR`) and the exact query that
//! finds the event. The tool prints them; the user runs them (the tool stays
//! read-only).

use chrono::Duration;
use trailaudit_model::Snapshot;

use crate::{chosen, classify, Question};

/// The DDL and the query.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Athena {
    /// The table's name.
    pub table: String,
    /// `CREATE EXTERNAL TABLE ...` with partition projection.
    pub ddl: String,
    /// The `SELECT` that finds the event.
    pub query: String,
}

fn sql(s: &str) -> String {
    s.replace('\'', "''")
}

/// The Athena table over the logs of the trail that should hold the event,
/// and the query for it.
pub fn athena(s: &Snapshot, q: &Question) -> Result<Athena, String> {
    let c = classify(q)?;
    let t = chosen(s, q, &c)
        .filter(|t| t.s3_bucket_name.is_some())
        .ok_or_else(|| {
            format!(
                "no trail delivers the events of account {} in {} to S3: there is no archive to query",
                q.account, c.record_region
            )
        })?;
    let bucket = t.s3_bucket_name.as_deref().unwrap_or_default();
    // The key layout with the partitions as placeholders.
    let template = s.trail_log_prefix(t, "${account}", "${region}");
    let root = template.split("${account}").next().unwrap_or_default();
    let table: String = format!("cloudtrail_{}", t.name)
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let regions: Vec<String> = {
        let mut r: Vec<String> = s
            .accounts
            .iter()
            .flat_map(|a| a.regions.iter().map(|r| r.region.clone()))
            .collect();
        r.sort();
        r.dedup();
        if !r.contains(&c.record_region) {
            r.push(c.record_region.clone());
        }
        r
    };
    let ddl = format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
  eventversion STRING,
  useridentity STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, invokedby: STRING,
    accesskeyid: STRING, username: STRING,
    sessioncontext: STRUCT<attributes: STRUCT<mfaauthenticated: STRING, creationdate: STRING>,
      sessionissuer: STRUCT<type: STRING, principalid: STRING, arn: STRING, accountid: STRING, username: STRING>,
      sourceidentity: STRING>>,
  eventtime STRING,
  eventsource STRING,
  eventname STRING,
  awsregion STRING,
  sourceipaddress STRING,
  useragent STRING,
  errorcode STRING,
  errormessage STRING,
  requestparameters STRING,
  responseelements STRING,
  additionaleventdata STRING,
  requestid STRING,
  eventid STRING,
  readonly STRING,
  resources ARRAY<STRUCT<arn: STRING, accountid: STRING, type: STRING>>,
  eventtype STRING,
  apiversion STRING,
  recipientaccountid STRING,
  serviceeventdetails STRING,
  sharedeventid STRING,
  vpcendpointid STRING,
  eventcategory STRING,
  tlsdetails STRUCT<tlsversion: STRING, ciphersuite: STRING, clientprovidedhostheader: STRING>
)
PARTITIONED BY (account STRING, region STRING, `timestamp` STRING)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{bucket}/{root}'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.account.type' = 'injected',
  'projection.region.type' = 'enum',
  'projection.region.values' = '{regions}',
  'projection.timestamp.type' = 'date',
  'projection.timestamp.format' = 'yyyy/MM/dd',
  'projection.timestamp.interval' = '1',
  'projection.timestamp.interval.unit' = 'DAYS',
  'projection.timestamp.range' = '2013/11/01,NOW',
  'storage.location.template' = 's3://{bucket}/{template}${{timestamp}}'
);",
        regions = regions.join(","),
    );
    // The day of the event and the next (delivery can cross midnight), and
    // a window around the event's time.
    let day = |d: chrono::DateTime<chrono::Utc>| d.format("%Y/%m/%d").to_string();
    let at = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut query = format!(
        "SELECT eventtime, eventsource, eventname, useridentity.arn AS principal, sourceipaddress,
       errorcode, requestid, eventid
FROM {table}
WHERE account = '{account}'
  AND region = '{region}'
  AND \"timestamp\" BETWEEN '{from_day}' AND '{to_day}'
  AND eventname = '{name}'
  AND eventtime BETWEEN '{from}' AND '{to}'",
        account = sql(&q.account),
        region = sql(&c.record_region),
        from_day = day(q.time - Duration::minutes(15)),
        to_day = day(q.time + Duration::minutes(30)),
        name = sql(&q.event_name),
        from = at(q.time - Duration::minutes(15)),
        to = at(q.time + Duration::minutes(15)),
    );
    if let Some(src) = &c.event_source {
        query.push_str(&format!("\n  AND eventsource = '{}'", sql(src)));
    }
    if let Some(arn) = &q.resource {
        query.push_str(&format!(
            "\n  AND any_match(resources, r -> r.arn = '{}')",
            sql(arn)
        ));
    }
    query.push_str("\nORDER BY eventtime;");
    Ok(Athena { table, ddl, query })
}
