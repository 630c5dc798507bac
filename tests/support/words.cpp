// SPDX-License-Identifier: BSD-2-Clause
#include "words.hpp"

namespace dslite::test {

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    std::size_t at = 0;
    while ((at = text.find_first_not_of(" \t\r\n", at)) != std::string::npos) {
        if (text[at] == '\'') {
            const std::size_t end = text.find('\'', at + 1);
            words.push_back(text.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1));
            at = end == std::string::npos ? text.size() : end + 1;
            continue;
        }
        const std::size_t end = text.find_first_of(" \t\r\n", at);
        words.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
        at = end == std::string::npos ? text.size() : end;
    }
    return words;
}

}  // namespace dslite::test
