#include "processprobe.h"

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

namespace jobdesk::bench::processprobe {

double cpuSeconds(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat))
        return -1;
    // The command name may hold spaces and parentheses: fields are counted
    // from the last ')'. utime and stime are fields 14 and 15; the first
    // field after ')' is field 3.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return -1;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14)
            utime = std::stoull(field);
        else if (index == 15)
            stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double cpuSeconds(const std::vector<pid_t> &pids)
{
    double total = 0;
    for (pid_t pid : pids) {
        const double s = cpuSeconds(pid);
        if (s > 0)
            total += s;
    }
    return total;
}

double machineBusySeconds()
{
    std::ifstream in("/proc/stat");
    std::string cpu;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice;
    // guest time is already counted in user.
    unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                       steal = 0;
    if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal))
        return -1;
    return static_cast<double>(user + nice + system + irq + softirq + steal) /
           static_cast<double>(sysconf(_SC_CLK_TCK));
}

long peakRssKiB(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    }
    return -1;
}

std::vector<pid_t> children(pid_t pid)
{
    std::vector<pid_t> out;
    const std::string taskDir = "/proc/" + std::to_string(pid) + "/task";
    DIR *dir = opendir(taskDir.c_str());
    if (!dir)
        return out;
    while (dirent *entry = readdir(dir)) {
        if (entry->d_name[0] == '.')
            continue;
        std::ifstream in(taskDir + '/' + entry->d_name + "/children");
        pid_t child = 0;
        while (in >> child)
            out.push_back(child);
    }
    closedir(dir);
    return out;
}

} // namespace jobdesk::bench::processprobe
