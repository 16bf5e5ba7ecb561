#include "GuardedApplication.h"

#include <QMessageBox>
#include <QTimer>
#include <cstdio>
#include <exception>

namespace ls::studio {

bool GuardedApplication::notify(QObject* receiver, QEvent* event)
{
    QString problem;
    try {
        return QApplication::notify(receiver, event);
    } catch (const std::exception& error) {
        problem = QString::fromUtf8(error.what());
    } catch (...) {
        problem = QStringLiteral("unknown error");
    }
    std::fprintf(stderr, "latency-studio: an action failed: %s\n", qPrintable(problem));
    // Shown from the event loop, not from inside this handler, so the message box cannot re-enter it.
    QTimer::singleShot(0, [problem] { QMessageBox::warning(nullptr, QStringLiteral("Latency Studio"), QStringLiteral("The action failed: %1").arg(problem)); });
    return false;
}

} // namespace ls::studio
