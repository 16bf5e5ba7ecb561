#pragma once
// The studio's QApplication: an exception that escapes an event handler (a malformed file met
// somewhere no handler expected) is reported on stderr and in a message instead of terminating the
// process; Qt itself must never see it.
#include <QApplication>

namespace ls::studio {

class GuardedApplication : public QApplication {
public:
    using QApplication::QApplication;
    bool notify(QObject* receiver, QEvent* event) override;
};

} // namespace ls::studio
