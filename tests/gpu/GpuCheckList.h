#pragma once
// The check functions GpuChecks.cpp lists (one file per engine defines them).
#include "GpuChecks.h"

namespace ls::test {

void checkRfForward(const GpuCheckContext&, CheckOutcome&);
void checkRfBackward(const GpuCheckContext&, CheckOutcome&);
void checkRfTraining(const GpuCheckContext&, CheckOutcome&);
void checkFlattenOrder(const GpuCheckContext&, CheckOutcome&);
void checkAttentionCore(const GpuCheckContext&, CheckOutcome&);
void checkLayer(const GpuCheckContext&, CheckOutcome&);
void checkSignals(const GpuCheckContext&, CheckOutcome&);
void checkSamplers(const GpuCheckContext&, CheckOutcome&);
void checkDenoiserTraining(const GpuCheckContext&, CheckOutcome&);

} // namespace ls::test
