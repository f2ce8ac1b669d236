//! The earlier run's footprints were delivered, and a lifecycle rule has
//! deleted them since.

use crate::check::*;

/// Metadata.
pub const META: CheckMeta = CheckMeta {
    id: "footprints_expired",
    title: "Audit footprints deleted by a lifecycle rule",
    severity: Severity::Medium,
    what: "The previous run's own DescribeTrails calls are no longer in the archive, and a lifecycle rule of the log bucket deletes log files younger than they are (`--verify-previous`).",
    why: "Logs are gone before anyone looked: an investigation of anything older finds nothing. Retention is proven too short, not just configured so.",
    fix: "aws s3api get-bucket-lifecycle-configuration --bucket LOG_BUCKET\n# lengthen Expiration.Days to the retention the policy requires\naws s3api put-bucket-lifecycle-configuration --bucket LOG_BUCKET --lifecycle-configuration file://lifecycle.json",
};

/// Run.
pub fn run(ctx: &Ctx, out: &mut Out) {
    super::footprints_not_delivered::missing(ctx, out, true);
}
