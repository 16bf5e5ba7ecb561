#pragma once
// Shared by the Qt Test suites: fresh random inputs every run (TestRandom.h, also used by the
// Qt-free GPU checks), and Qt Test itself.
#include "TestRandom.h"

#include <QtGlobal>
#include <QtTest>
