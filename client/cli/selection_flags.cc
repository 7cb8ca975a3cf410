#include "client/cli/selection_flags.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"

namespace evgen::cli {
namespace {

constexpr char kColumnExample[] = "'m_mumu = mass(pt1,eta1,phi1,0.1057, pt2,eta2,phi2,0.1057)'";

std::string SideFlag(const std::string& side, const std::string& what) { return absl::StrCat("--", side, "-", what); }

}  // namespace

absl::StatusOr<v1::DerivedColumn> ParseColumnDefinition(const std::string& text, const std::string& flag) {
  const size_t eq = text.find('=');
  const bool comparison = eq != std::string::npos && eq + 1 < text.size() && text[eq + 1] == '=';
  v1::DerivedColumn column;
  if (eq != std::string::npos && !comparison) {
    column.set_name(std::string(absl::StripAsciiWhitespace(text.substr(0, eq))));
    column.set_expression(std::string(absl::StripAsciiWhitespace(text.substr(eq + 1))));
  }
  if (column.name().empty() || column.expression().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " '", text, "': expected NAME = EXPRESSION, e.g. ",
                                                   kColumnExample));
  }
  return column;
}

void SelectionFlags::Add(CLI::App* command) {
  command->add_option("--column", columns,
                      "derived column 'NAME = EXPR' on both tables (repeatable; docs/expressions.md)");
  command->add_option("--where", where, "keep the rows of both tables where EXPR holds, e.g. 'Q1*Q2 < 0'");
  command->add_option("--reference-column", reference_columns, "derived column 'NAME = EXPR' on the reference");
  command->add_option("--reference-where", reference_where, "row selection on the reference");
  command->add_option("--candidate-column", candidate_columns, "derived column 'NAME = EXPR' on the candidate");
  command->add_option("--candidate-where", candidate_where, "row selection on the candidate");
}

absl::Status SelectionFlags::Apply(const std::string& side, v1::TableSource* source) const {
  const bool reference = side == "reference";
  const std::vector<std::string>& own_columns = reference ? reference_columns : candidate_columns;
  const std::string& own_where = reference ? reference_where : candidate_where;
  if (!where.empty() && !own_where.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--where and ", SideFlag(side, "where"),
                                                   ": give one (--where applies to both tables)"));
  }
  const bool any = !columns.empty() || !own_columns.empty() || !where.empty() || !own_where.empty();
  if (!any) return absl::OkStatus();
  if (!source->has_dataset()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", side, " is a file; derived columns and --where apply to stored datasets: upload it first "
        "(evgen datasets upload FILE --name NAME) and name the dataset"));
  }
  v1::DatasetSelection* selection = source->mutable_dataset();
  for (const auto* list : {&columns, &own_columns}) {
    const std::string flag = list == &columns ? "--column" : SideFlag(side, "column");
    for (const std::string& text : *list) {
      EVGEN_ASSIGN_OR_RETURN(*selection->add_derived(), ParseColumnDefinition(text, flag));
    }
  }
  selection->set_where(own_where.empty() ? where : own_where);
  return absl::OkStatus();
}

std::string SelectionFlags::Describe(const std::string& side) const {
  const bool reference = side == "reference";
  std::vector<std::string> parts = columns;
  const std::vector<std::string>& own_columns = reference ? reference_columns : candidate_columns;
  parts.insert(parts.end(), own_columns.begin(), own_columns.end());
  const std::string& own_where = reference ? reference_where : candidate_where;
  const std::string& w = own_where.empty() ? where : own_where;
  if (!w.empty()) parts.push_back("where " + w);
  return parts.empty() ? "" : absl::StrCat(" [", absl::StrJoin(parts, "; "), "]");
}

absl::StatusOr<std::vector<v1::MetricSpec>> MetricSpecs(const std::vector<std::string>& names,
                                                        const std::vector<std::string>& options) {
  std::vector<v1::MetricSpec> specs(names.size());
  for (size_t i = 0; i < names.size(); ++i) specs[i].set_name(names[i]);
  for (const std::string& item : options) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("--option: expected KEY=VALUE or METRIC.KEY=VALUE, got '",
                                                     item, "'"));
    }
    std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    std::string metric;
    if (const size_t dot = key.find('.'); dot != std::string::npos) {
      metric = key.substr(0, dot);
      key = key.substr(dot + 1);
      if (std::find(names.begin(), names.end(), metric) == names.end()) {
        return absl::InvalidArgumentError(absl::StrCat("--option '", item, "': '", metric,
                                                       "' is not a requested metric (-m); requested: ",
                                                       absl::StrJoin(names, ", ")));
      }
    }
    for (v1::MetricSpec& spec : specs) {
      if (metric.empty() || spec.name() == metric) (*spec.mutable_options())[key] = value;
    }
  }
  return specs;
}

}  // namespace evgen::cli
