// checkpoint_archive.h: the pieces every trainer's checkpoint is made of,
// on LibTorch's serialize archives: numbers (step, best metric, ...), lists
// of tensors (kept best weights, averaged weights) and the atomic save.
//
// Numbers travel as one-element float64 tensors, since an archive holds
// only tensors and modules. A list is its length under `size_key` and its
// tensors under item_prefix + index; the trainers keep the key names their
// existing checkpoints use, so a job resumes across this change.
//
// Example:
//   WriteNumber(archive, "step", static_cast<double>(step));
//   WriteTensorList(archive, "best_weights_size", "best_", best_weights);
//   SaveArchiveAtomically(archive, path);
#pragma once

#include <torch/serialize.h>

#include <string>
#include <vector>

namespace evgen {

void WriteNumber(torch::serialize::OutputArchive& archive, const std::string& key, double v);
double ReadNumber(torch::serialize::InputArchive& archive, const std::string& key);

void WriteTensorList(torch::serialize::OutputArchive& archive, const std::string& size_key,
                     const std::string& item_prefix, const std::vector<torch::Tensor>& tensors);
std::vector<torch::Tensor> ReadTensorList(torch::serialize::InputArchive& archive, const std::string& size_key,
                                          const std::string& item_prefix);

// SaveArchiveAtomically writes to path + ".partial" and renames it over
// `path`: a crash mid-write leaves the previous checkpoint.
void SaveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path);

}  // namespace evgen
