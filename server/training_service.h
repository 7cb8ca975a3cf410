// training_service.h: TrainingServiceImpl, evgen.v1.TrainingService over the
// JobManager: submit, get, list, watch (server-streamed progress), cancel,
// resume (an interrupted or cancelled job, from its last checkpoint).
#pragma once

#include "evgen/v1/training_service.grpc.pb.h"
#include "server/server_state.h"

namespace evgen {

class TrainingServiceImpl final : public v1::TrainingService::CallbackService {
 public:
  explicit TrainingServiceImpl(ServerState* state) : state_(state) {}

  grpc::ServerUnaryReactor* SubmitTraining(grpc::CallbackServerContext* context,
                                           const v1::SubmitTrainingRequest* request,
                                           v1::Job* response) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* context,
                                   const v1::GetJobRequest* request, v1::Job* response) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const v1::ListJobsRequest* request,
                                     v1::ListJobsResponse* response) override;
  grpc::ServerWriteReactor<v1::Job>* WatchJob(grpc::CallbackServerContext* context,
                                              const v1::WatchJobRequest* request) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* context,
                                      const v1::CancelJobRequest* request,
                                      v1::Job* response) override;
  grpc::ServerUnaryReactor* ResumeJob(grpc::CallbackServerContext* context,
                                      const v1::ResumeJobRequest* request,
                                      v1::Job* response) override;

 private:
  ServerState* state_;
};

}  // namespace evgen
