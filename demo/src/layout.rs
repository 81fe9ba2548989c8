//! Who runs where: every process of the fleet on a port of its own,
//! consecutive from one base port, so the services find each other from
//! `--base-port` alone (and two fleets can run side by side).

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Process {
    Gateway,
    Users,
    Catalog,
    Pricing,
    Inventory,
    Checkout,
    Payments,
    Notifications,
    /// Running, but nobody put it in the catalog (on purpose).
    Recommendations,
    /// The message broker (uninstrumented infrastructure).
    Queue,
    /// The outside payment provider's stand-in (uninstrumented).
    PaymentProvider,
}

impl Process {
    /// Every process, in declaration order (clap derives the list).
    pub fn all() -> &'static [Process] {
        <Process as clap::ValueEnum>::value_variants()
    }

    pub fn name(self) -> &'static str {
        match self {
            Process::Gateway => "gateway",
            Process::Users => "users",
            Process::Catalog => "catalog",
            Process::Pricing => "pricing",
            Process::Inventory => "inventory",
            Process::Checkout => "checkout",
            Process::Payments => "payments",
            Process::Notifications => "notifications",
            Process::Recommendations => "recommendations",
            Process::Queue => "queue",
            Process::PaymentProvider => "payment-provider",
        }
    }

    /// Sends telemetry (the outside provider and the broker do not).
    pub fn is_instrumented(self) -> bool {
        !matches!(self, Process::Queue | Process::PaymentProvider)
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub base_port: u16,
}

impl Layout {
    /// In declaration order (the order of [`Process::all`]).
    pub fn port(self, process: Process) -> u16 {
        self.base_port + process as u16
    }

    pub fn url(self, process: Process) -> String {
        format!("http://127.0.0.1:{}", self.port(process))
    }

    /// The fleet's control endpoint, on the port after the last process.
    pub fn control_port(self) -> u16 {
        self.base_port + Process::all().len() as u16
    }
}
