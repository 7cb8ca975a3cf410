#include "core/data/delta_phi.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/physics/constants.h"
#include "core/status_macros.h"
#include "core/util/config_reader.h"

namespace evgen {
namespace {

using Json = nlohmann::json;

// Wrap maps an angle into [-pi, pi).
double Wrap(double angle) {
  const double two_pi = 2 * physics::kPi;
  double wrapped = std::fmod(angle + physics::kPi, two_pi);
  if (wrapped < 0) wrapped += two_pi;
  return wrapped - physics::kPi;
}

class DeltaPhi final : public Transform {
 public:
  DeltaPhi(std::string column, std::string reference, double offset, std::string name)
      : column_(std::move(column)), reference_(std::move(reference)), offset_(offset), name_(std::move(name)) {}

  std::string kind() const override { return "delta-phi"; }
  absl::Status Fit(const Table& table) override { return Forward(table).status(); }

  absl::StatusOr<Table> Forward(const Table& table) const override {
    return Map(table, column_, name_, [this](double phi, double ref) { return Wrap(phi - ref - offset_); });
  }
  absl::StatusOr<Table> Inverse(const Table& table) const override {
    return Map(table, name_, column_, [this](double dphi, double ref) { return Wrap(ref + dphi + offset_); });
  }
  absl::StatusOr<std::vector<double>> ForwardLogAbsDet(const Table& table) const override {
    EVGEN_RETURN_IF_ERROR(Forward(table).status());
    return std::vector<double>(static_cast<size_t>(table.num_rows()), 0.0);
  }
  Json ToJson() const override {
    return {{"kind", kind()}, {"column", column_}, {"reference", reference_}, {"offset", offset_}, {"name", name_}};
  }

 private:
  // Map replaces column `from` by `to` = f(from, reference), in place.
  template <typename F>
  absl::StatusOr<Table> Map(const Table& table, const std::string& from, const std::string& to, F f) const {
    const absl::StatusOr<int> c = table.ColumnIndex(from);
    const absl::StatusOr<int> ref = table.ColumnIndex(reference_);
    if (!c.ok() || !ref.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("transform delta-phi: ", (c.ok() ? ref : c).status().message()));
    }
    if (table.HasColumn(to)) {
      return absl::InvalidArgumentError(absl::StrCat("transform delta-phi: '", to, "' is a column of the table already"));
    }
    std::vector<std::string> columns = table.columns();
    columns[*c] = to;
    std::vector<float> values = table.values();
    const int width = table.num_columns();
    for (int64_t r = 0; r < table.num_rows(); ++r) {
      float& v = values[r * width + *c];
      const double ref_value = values[r * width + *ref];
      if (!std::isfinite(v) || !std::isfinite(ref_value)) {
        return absl::InvalidArgumentError(absl::StrCat("transform delta-phi: column '", from, "' row ", r,
                                                       ": angles must be finite"));
      }
      v = static_cast<float>(f(v, ref_value));
    }
    return Table::Create(columns, std::move(values), table.weights());
  }

  std::string column_, reference_;
  double offset_;
  std::string name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Transform>> MakeDeltaPhi(const Json& spec) {
  std::string column, reference, name;
  double offset = 0;
  ConfigReader r(spec, "transform delta-phi");
  r.String("column", column)
      .String("reference", reference)
      .String("name", name)
      .Number("offset", offset, Interval::Closed(-2 * physics::kPi, 2 * physics::kPi))
      .Required("column")
      .Required("reference")
      .Required("name")
      .Ignore("kind");
  EVGEN_RETURN_IF_ERROR(r.Finish());
  return std::unique_ptr<Transform>(std::make_unique<DeltaPhi>(column, reference, offset, name));
}

}  // namespace evgen
