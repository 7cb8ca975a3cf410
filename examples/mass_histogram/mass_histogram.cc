// mass_histogram: an analysis that asks a running evgend for events and
// fills a histogram of an invariant mass, without holding the events.
//
//   mass_histogram SERVER MODEL N PARTICLES [LOW HIGH BINS]
//   mass_histogram 127.0.0.1:50051 ttbar-gan 1000000 4,5,6 100 250 30
//
// PARTICLES are the indices i of four-vector columns p<i>_e_gev, p<i>_px_gev,
// p<i>_py_gev, p<i>_pz_gev (the ttbar models' layout: 4,5,6 is the top);
// the mass is that of their sum. It prints the histogram and a summary line
// "events N underflow U overflow O mean M". EVGEN_TOKEN is sent if set.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "client/evgen_client.h"
#include "wire/table_codec.h"

namespace {

struct Histogram {
  double low, high;
  std::vector<int64_t> bins;
  int64_t underflow = 0, overflow = 0, entries = 0;
  double sum = 0;

  void Fill(double x) {
    ++entries;
    sum += x;
    if (x < low) {
      ++underflow;
    } else if (x >= high) {
      ++overflow;
    } else {
      ++bins[static_cast<size_t>((x - low) / (high - low) * static_cast<double>(bins.size()))];
    }
  }
};

std::vector<int> ParseIndices(const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 8) {
    std::cerr << "usage: mass_histogram SERVER MODEL N PARTICLES [LOW HIGH BINS]\n";
    return 2;
  }
  const std::vector<int> particles = ParseIndices(argv[4]);
  Histogram h{argc == 8 ? std::stod(argv[5]) : 0.0, argc == 8 ? std::stod(argv[6]) : 500.0,
              std::vector<int64_t>(argc == 8 ? std::stoul(argv[7]) : 50)};

  evgen::ClientOptions options;
  if (const char* token = std::getenv("EVGEN_TOKEN")) options.token = token;
  evgen::EvgenClient client(argv[1], options);
  evgen::v1::SampleRequest request;
  request.set_model(argv[2]);
  request.set_n(std::stoll(argv[3]));
  request.set_seed(1);

  // Each chunk is decoded, histogrammed and dropped: memory stays that of
  // one chunk however many events are asked for.
  const absl::Status status = client.Sample(request, [&](const evgen::v1::SampleChunk& chunk) -> absl::Status {
    absl::StatusOr<evgen::Table> table = evgen::DecodeTable(chunk.table(), "chunk");
    if (!table.ok()) return table.status();
    std::vector<int> columns;
    for (int p : particles) {
      for (const char* c : {"e", "px", "py", "pz"}) {
        const std::string name = "p" + std::to_string(p) + "_" + c + "_gev";
        absl::StatusOr<int> index = table->ColumnIndex(name);
        if (!index.ok()) return absl::NotFoundError("the model has no column " + name);
        columns.push_back(*index);
      }
    }
    for (int64_t r = 0; r < table->num_rows(); ++r) {
      double e = 0, px = 0, py = 0, pz = 0;
      for (size_t k = 0; k < columns.size(); k += 4) {
        e += table->at(r, columns[k]);
        px += table->at(r, columns[k + 1]);
        py += table->at(r, columns[k + 2]);
        pz += table->at(r, columns[k + 3]);
      }
      h.Fill(std::sqrt(std::max(0.0, e * e - px * px - py * py - pz * pz)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) {
    std::cerr << "mass_histogram: " << status << "\n";
    return 1;
  }
  const double width = (h.high - h.low) / static_cast<double>(h.bins.size());
  int64_t peak = 1;
  for (int64_t b : h.bins) peak = std::max(peak, b);
  for (size_t b = 0; b < h.bins.size(); ++b) {
    std::cout << h.low + width * static_cast<double>(b) << "\t" << h.bins[b] << "\t"
              << std::string(static_cast<size_t>(60 * h.bins[b] / peak), '#') << "\n";
  }
  std::cout << "events " << h.entries << " underflow " << h.underflow << " overflow " << h.overflow << " mean "
            << (h.entries ? h.sum / static_cast<double>(h.entries) : 0.0) << "\n";
  return 0;
}
