#include "server/training_service.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "server/convert.h"
#include "server/authorize.h"
#include "server/reactors.h"

namespace evgen {
namespace {

// JobWatchReactor streams a job's record after each change until the job
// ends. It keeps at most one write in flight and coalesces changes that
// arrive meanwhile into the newest record, so a slow client sees fewer
// progress updates, never a backlog; the final state is always sent.
class JobWatchReactor final : public grpc::ServerWriteReactor<v1::Job> {
 public:
  JobWatchReactor(JobManager* jobs, const std::string& id) : jobs_(jobs) {
    absl::StatusOr<int64_t> token =
        jobs_->Subscribe(id, [this](const JobRecord& record) { OnChange(record); });
    if (!token.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(ToGrpcStatus(token.status()));
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    token_ = *token;
    if (finish_after_write_ && !writing_) FinishLocked(grpc::Status::OK);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) return FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "client went away"));
    if (pending_) return WriteLocked();
    if (finish_after_write_) FinishLocked(grpc::Status::OK);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!writing_) FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled"));
  }

  void OnDone() override {
    if (token_ != 0) jobs_->Unsubscribe(token_);
    delete this;
  }

 private:
  // OnChange runs on the job's thread (or in Subscribe, on this one).
  void OnChange(const JobRecord& record) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_ || finish_after_write_) return;
    pending_ = v1::Job();
    ToProto(record, &*pending_);
    if (IsTerminal(record.state)) finish_after_write_ = true;
    if (!writing_) WriteLocked();
  }

  void WriteLocked() {
    if (finished_) return;
    current_ = std::move(*pending_);
    pending_.reset();
    writing_ = true;
    StartWrite(&current_);
  }

  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  JobManager* jobs_;
  int64_t token_ = 0;
  std::mutex mu_;
  std::optional<v1::Job> pending_;
  v1::Job current_;
  bool writing_ = false;
  bool finish_after_write_ = false;
  bool finished_ = false;
};

// TrainingJob is the job function of a validated request. SubmitTraining and
// ResumeJob share it, so a resumed job trains exactly as its first run did.
JobFunction TrainingJob(ServerState* state, TrainingRequest training) {
  return [state, training = std::move(training)](JobContext& job) {
    return RunTraining(training, state->datasets, state->models, job);
  };
}

}  // namespace

grpc::ServerUnaryReactor* TrainingServiceImpl::SubmitTraining(
    grpc::CallbackServerContext* context, const v1::SubmitTrainingRequest* request,
    v1::Job* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kTrainer, "SubmitTraining")) return denied;
  return RunOnPool(state_->pool, context, [this, request, response]() -> absl::Status {
    EVGEN_ASSIGN_OR_RETURN(TrainingRequest training, FromProto(*request));
    EVGEN_RETURN_IF_ERROR(ValidateTrainingRequest(training, state_->datasets));
    EVGEN_ASSIGN_OR_RETURN(JobRecord record, state_->jobs.Submit("train", training.ToJson(),
                                                                 TrainingJob(state_, training)));
    ToProto(record, response);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* TrainingServiceImpl::GetJob(grpc::CallbackServerContext* context,
                                                      const v1::GetJobRequest* request,
                                                      v1::Job* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "GetJob")) return denied;
  absl::StatusOr<JobRecord> record = state_->jobs.Get(request->id());
  if (record.ok()) ToProto(*record, response);
  return FinishNow(context, record.status());
}

grpc::ServerUnaryReactor* TrainingServiceImpl::ListJobs(grpc::CallbackServerContext* context,
                                                        const v1::ListJobsRequest* request,
                                                        v1::ListJobsResponse* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kReader, "ListJobs")) return denied;
  for (const JobRecord& record : state_->jobs.List()) {
    const v1::JobState state = ToProto(record.state);
    const auto& wanted = request->states();
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), state) == wanted.end()) continue;
    ToProto(record, response->add_jobs());
  }
  return FinishNow(context, absl::OkStatus());
}

grpc::ServerWriteReactor<v1::Job>* TrainingServiceImpl::WatchJob(
    grpc::CallbackServerContext* context, const v1::WatchJobRequest* request) {
  if (auto* denied = DenyWrite<v1::Job>(*state_, context, Role::kReader, "WatchJob")) return denied;
  return new JobWatchReactor(&state_->jobs, request->id());
}

grpc::ServerUnaryReactor* TrainingServiceImpl::CancelJob(grpc::CallbackServerContext* context,
                                                         const v1::CancelJobRequest* request,
                                                         v1::Job* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kTrainer, "CancelJob")) return denied;
  absl::StatusOr<JobRecord> record = state_->jobs.Cancel(request->id());
  if (record.ok()) ToProto(*record, response);
  return FinishNow(context, record.status());
}

grpc::ServerUnaryReactor* TrainingServiceImpl::ResumeJob(grpc::CallbackServerContext* context,
                                                         const v1::ResumeJobRequest* request,
                                                         v1::Job* response) {
  if (auto* denied = DenyUnary(*state_, context, Role::kTrainer, "ResumeJob")) return denied;
  // On the pool: validation reads the dataset, which may take a while.
  return RunOnPool(state_->pool, context, [this, request, response]() -> absl::Status {
    EVGEN_ASSIGN_OR_RETURN(JobRecord current, state_->jobs.Get(request->id()));
    // The state is checked first so a finished job is named as such even
    // when its dataset is gone; Resume checks it again under its lock.
    EVGEN_RETURN_IF_ERROR(CheckResumable(current));
    if (current.type != "train") {
      return absl::FailedPreconditionError(absl::StrCat("job: '", current.id, "' is of type '",
                                                        current.type,
                                                        "'; only 'train' jobs can be resumed"));
    }
    EVGEN_ASSIGN_OR_RETURN(TrainingRequest training, TrainingRequest::FromJson(current.request));
    // The dataset may have been deleted or replaced since the job started.
    EVGEN_RETURN_IF_ERROR(ValidateTrainingRequest(training, state_->datasets));
    EVGEN_ASSIGN_OR_RETURN(JobRecord record,
                           state_->jobs.Resume(current.id, TrainingJob(state_, training)));
    ToProto(record, response);
    return absl::OkStatus();
  });
}

}  // namespace evgen
