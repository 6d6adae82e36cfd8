package rules

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/beevik/etree"
)

// vocabFiles maps vocabulary names to the official vocabulary files in the schema tree.
var vocabFiles = map[string]string{
	VContentCategory: "csip/vocabularies/CSIPVocabularyContentCategory.xml",
	VContentInfoType: "csip/vocabularies/CSIPVocabularyContentInformationType.xml",
	VOAISType:        "csip/vocabularies/CSIPVocabularyOAISPackageType.xml",
	VStatus:          "csip/vocabularies/CSIPVocabularyStatus.xml",
	VNoteType:        "csip/vocabularies/CSIPVocabularyNoteType.xml",
	VRecordStatus:    "sip/vocabularies/SIPVocabularyRecordStatus.xml",
}

// LoadVocab reads the controlled vocabularies from the schema tree, so the rules use
// the same lists as the official profile rather than a copy that could drift.
func LoadVocab(fsys fs.FS) (Vocab, error) {
	v := Vocab{}
	for name, file := range vocabFiles {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("load vocabulary %s: %w", name, err)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(data); err != nil {
			return nil, fmt.Errorf("parse vocabulary %s: %w", file, err)
		}
		terms := map[string]bool{}
		for _, t := range doc.FindElements("//Term") {
			terms[strings.TrimSpace(t.Text())] = true
		}
		if len(terms) == 0 {
			return nil, fmt.Errorf("vocabulary %s has no terms", file)
		}
		v[name] = terms
	}
	return v, nil
}
