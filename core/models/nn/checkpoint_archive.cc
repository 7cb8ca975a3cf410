#include "core/models/nn/checkpoint_archive.h"

#include <torch/torch.h>

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace evgen {

void WriteNumber(torch::serialize::OutputArchive& archive, const std::string& key, double v) {
  archive.write(key, torch::tensor({v}, torch::kFloat64));
}

double ReadNumber(torch::serialize::InputArchive& archive, const std::string& key) {
  torch::Tensor t;
  archive.read(key, t);
  return t.item<double>();
}

void WriteTensorList(torch::serialize::OutputArchive& archive, const std::string& size_key,
                     const std::string& item_prefix, const std::vector<torch::Tensor>& tensors) {
  WriteNumber(archive, size_key, static_cast<double>(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i) archive.write(absl::StrCat(item_prefix, i), tensors[i]);
}

std::vector<torch::Tensor> ReadTensorList(torch::serialize::InputArchive& archive, const std::string& size_key,
                                          const std::string& item_prefix) {
  std::vector<torch::Tensor> tensors(static_cast<size_t>(ReadNumber(archive, size_key)));
  for (size_t i = 0; i < tensors.size(); ++i) archive.read(absl::StrCat(item_prefix, i), tensors[i]);
  return tensors;
}

void SaveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path) {
  const std::string temp = path + ".partial";
  archive.save_to(temp);
  std::filesystem::rename(temp, path);
}

}  // namespace evgen
