//! What the routes and the [`Emulator`](crate::emulator::Emulator) handle share: the store,
//! the clock, the accepted credentials and ID tokens, the faults to inject, the generators
//! of IDs.

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::Duration;

use fastrand::Rng;

use crate::auth::Auth;
use crate::clock::Clock;
use crate::faults::FaultState;
use crate::lock::lock;
use crate::plan::{AddedJob, JobPlan};
use crate::seed;
use crate::store::Store;
use crate::workload::Workload;

/// Everything the handlers and the emulator's handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) store: RwLock<Store>,
    /// IDs and resource names of added jobs.
    pub(crate) ids: Mutex<Rng>,
    pub(crate) clock: Clock,
    pub(crate) speed: f64,
    pub(crate) auth: Auth,
    pub(crate) faults: Mutex<FaultState>,
    pub(crate) project_id: String,
    pub(crate) requests: AtomicU64,
    request_ids: Mutex<Rng>,
    /// How long a request's body may take to arrive after its head.
    pub(crate) body_timeout: Duration,
    /// Whether IAM answers (one project: `project_id`, named `region`).
    pub(crate) iam: bool,
    pub(crate) region: String,
    /// What IAM's federation and STS's OIDC endpoints accept.
    pub(crate) workload: Workload,
}

impl Shared {
    pub(crate) fn new(
        clock: Clock,
        speed: f64,
        auth: Auth,
        faults: FaultState,
        project_id: String,
        seed: u64,
        body_timeout: Duration,
    ) -> Self {
        Shared {
            store: RwLock::new(Store::default()),
            ids: Mutex::new(Rng::with_seed(seed)),
            clock,
            speed,
            auth,
            faults: Mutex::new(faults),
            project_id,
            requests: AtomicU64::new(0),
            request_ids: Mutex::new(Rng::with_seed(seed ^ 0x7265_7175_6573_7473)),
            body_timeout,
            iam: false,
            region: String::new(),
            workload: Workload::default(),
        }
    }

    /// 32 hex digits, like the service's `X-Request-Id`.
    pub(crate) fn next_request_id(&self) -> String {
        let mut bytes = [0u8; 16];
        lock(&self.request_ids).fill(&mut bytes);
        hex::encode(bytes)
    }

    /// Stores a job, its IDs, project and creation time decided: the plan's, else generated
    /// IDs, the emulator's project and its clock's now.
    pub(crate) fn add_job(&self, plan: JobPlan) -> AddedJob {
        let created_at = plan.created_at.unwrap_or_else(|| self.clock.now());
        let project_id = plan
            .project_id
            .clone()
            .unwrap_or_else(|| self.project_id.clone());
        let mut rng = lock(&self.ids);
        let job_id = plan.job_id.clone().unwrap_or_else(|| seed::uuid(&mut rng));
        self.store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(plan, job_id, project_id, created_at, &mut rng)
    }
}
