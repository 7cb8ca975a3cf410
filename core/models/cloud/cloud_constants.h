// cloud_constants.h: the fixed numbers of the jet-cloud family in one place:
// its kind, the columns of evgen's long jet-cloud layout it reads and
// writes, the labels that keep its random streams apart, and the shape of
// its sampling passes.
#pragma once

#include <cstdint>

namespace evgen::cloud {

inline constexpr const char* kKind = "jet-cloud-gan";

// Columns of the long layout (core/physics/jet_clouds.h): one row per
// constituent, jets consecutive. A model's targets and conditions may not
// use these names; it writes them itself.
inline constexpr const char* kJetColumn = "jet";
inline constexpr const char* kConstituentColumn = "constituent";
inline constexpr const char* kSizeColumn = "n_constituents";
// Members are written in decreasing order of this target when the model has
// it (the layout's constituent 0 is the hardest).
inline constexpr const char* kOrderColumn = "log_pt";

// The constituent columns a jet's momentum is made from: log pT in GeV and
// the position relative to the jet axis; and the jet columns that give it.
inline constexpr const char* kLogPtColumn = "log_pt";
inline constexpr const char* kEtaColumn = "eta_rel";
inline constexpr const char* kPhiColumn = "phi_rel";
inline constexpr const char* kJetPtCondition = "jet_pt_gev";
inline constexpr const char* kJetMassCondition = "jet_mass_gev";

// The targets config.jet_features and config.jet_shapes compute a jet's features from
// (jet_features.h).
inline constexpr const char* kJetFeatureColumns[] = {kLogPtColumn, kEtaColumn, kPhiColumn};

// A generated log pT (log GeV) beyond this is clamped before exp where the
// discriminator's features sum momenta, so an untrained generator cannot
// overflow them: e^12 GeV is 160 TeV.
inline constexpr double kMaxLogPt = 12;

// Config limits.
inline constexpr size_t kMaxDensityScales = 8;  // config.local_density
inline constexpr size_t kMaxPairPowers = 4;     // config.pair_angles
inline constexpr size_t kMaxMmdWidths = 8;      // config.efp_mmd.widths
inline constexpr double kMaxMmdWeight = 1e4;    // config.efp_mmd.weight
// config.pair_angles' largest power: soft pairs (z_i z_j ~ 1e-6) keep a
// weight (z_i z_j)^p within float32's range (1e-38) up to p = 6.
inline constexpr double kMaxPairPower = 4;
// config.jet_radius: below pi/2, where the mass scaling stays monotonic
// (given_jet.cc); the widest jets in use have R = 1.5.
inline constexpr double kMaxJetRadius = 1.5;
inline constexpr int64_t kMaxConstituentsLimit = 1024;
inline constexpr int64_t kMaxWidth = 4096;
inline constexpr int64_t kMaxSteps = int64_t{1} << 40;
// Fewer jets cannot hold out anything or fill a batch.
inline constexpr int64_t kMinTrainingJets = 10;

// Labels of the keyed streams (counter_rng.h DeriveSeed), one per purpose:
// training draws use (seed ^ label, step), sampling draws (seed, label) at
// absolute jet positions, so that no two purposes share numbers.
inline constexpr uint64_t kInitLabel = 0x434c4f5544494e49ULL;
inline constexpr uint64_t kStepLabel = 0x434c4f5544535450ULL;
inline constexpr uint64_t kEpochLabel = 0x434c4f5544455043ULL;
inline constexpr uint64_t kEvaluationLabel = 0x434c4f5544455641ULL;
inline constexpr uint64_t kSizesBatchLabel = 0x434c4f5544534241ULL;
inline constexpr uint64_t kSizesNoiseLabel = 0x434c4f55445a5349ULL;
inline constexpr uint64_t kGumbelLabel = 0x434c4f5544474d42ULL;
inline constexpr uint64_t kSetNoiseLabel = 0x434c4f55445a5345ULL;
inline constexpr uint64_t kMemberNoiseLabel = 0x434c4f55445a4d45ULL;

// Sampling runs the generators on passes of exactly kSampleBlockJets jets,
// each padded to max_constituents members, jet j always at position
// j mod kSampleBlockJets of the pass of its block. A fixed shape and
// position fix the order of every floating-point sum, so a jet's bytes do
// not depend on how a request is cut into chunks.
inline constexpr int64_t kSampleBlockJets = 16;

// Jets of the training set whose sizes the progress metric compares with.
inline constexpr int64_t kEvaluationJets = 2000;

// Gumbel uniforms are kept inside (0, 1) so that -log(-log u) is finite.
inline constexpr double kUniformGuard = 1e-7;

}  // namespace evgen::cloud
