//! FIPS 205 (SLH-DSA): ACVP keyGen (v1.1.0.38 prompt + results, v1.1.0.35 internal projection),
//! sigGen (v1.1.0.35) and sigVer (v1.1.0.37), internal interface, every parameter set present.

use sonet::crypto::{Provider, SignatureAlgorithm, SignatureFamily};

use super::fips204::{acvp_keygen, acvp_sign, acvp_verify};
use crate::formats::acvp::{self, AcvpCase};
use crate::runner::{providers_for, record, tc_id, CaseResult, Job, Suite};

/// The `fips205` suite, under every provider with an SLH-DSA parameter set: the NIST ACVP sets of
/// `SETS` under `acvp/SLH-DSA-*-FIPS205/` (from cloudflare/circl; the v1.1.0.35 keyGen internal
/// projection from RustCrypto/signatures).
pub const SUITE: Suite = Suite {
    name: "fips205",
    description: "SLH-DSA (FIPS 205): ACVP keyGen, sigGen and sigVer vectors",
    jobs,
};

#[derive(Clone, Copy)]
enum Kind {
    KeyGen,
    KeyGenProjection,
    SigGen,
    SigVer,
}

const SETS: [(&str, Kind); 4] = [
    ("acvp/SLH-DSA-keyGen-FIPS205/v1.1.0.38", Kind::KeyGen),
    (
        "acvp/SLH-DSA-keyGen-FIPS205/v1.1.0.35",
        Kind::KeyGenProjection,
    ),
    ("acvp/SLH-DSA-sigGen-FIPS205/v1.1.0.35", Kind::SigGen),
    ("acvp/SLH-DSA-sigVer-FIPS205/v1.1.0.37", Kind::SigVer),
];

fn jobs() -> Vec<Job> {
    let slh_dsa = |p: &Provider| {
        SignatureAlgorithm::ALL
            .iter()
            .any(|a| a.family() == SignatureFamily::SlhDsa && p.signature(*a).is_some())
    };
    let mut jobs = Vec::new();
    for provider in providers_for(slh_dsa) {
        for (dir, kind) in SETS {
            jobs.push(Job::new(
                SUITE.name,
                dir,
                provider.name,
                move |store, set| {
                    let cases = match kind {
                        Kind::KeyGenProjection => acvp::load_projection(store, dir, set)?,
                        _ => acvp::load(store, dir, set)?,
                    };
                    for case in cases {
                        let (operation, result) = match kind {
                            Kind::KeyGen | Kind::KeyGenProjection => {
                                ("keygen", keygen(provider, &case))
                            }
                            Kind::SigGen => {
                                ("sign", acvp_sign(provider, &case, "additionalRandomness"))
                            }
                            Kind::SigVer => ("verify", acvp_verify(provider, &case)),
                        };
                        record(
                            set,
                            tc_id(&case.test),
                            case.parameter_set(),
                            operation,
                            result,
                        );
                    }
                    Ok(())
                },
            ));
        }
    }
    jobs
}

/// FIPS 205 Algorithm 18 takes SK.seed, SK.prf and PK.seed in this order.
fn keygen(provider: &Provider, case: &AcvpCase) -> CaseResult {
    let mut seed = case.hex("skSeed")?;
    seed.extend(case.hex("skPrf")?);
    seed.extend(case.hex("pkSeed")?);
    acvp_keygen(provider, case, &seed)
}
