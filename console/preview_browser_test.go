package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapporthq/rapport/jobs/dryrun"
)

func TestBrowserPreviewShowsDryrunsSubjectInASandboxWithoutScripts(t *testing.T) {
	b := setupPreview(t)
	want, err := dryrun.Preview(context.Background(), b.deliverer, previewCampaign, customerID, b.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	br := newBrowser(t, b.bundle)
	br.login(t, "olga")
	br.open(t, "/console/campaigns/"+previewCampaign+"/preview?"+url.Values{"customer": {customerEmail}}.Encode())
	if got := br.text(t, "dd.subject"); got != want.Subject {
		t.Errorf("subject %q, dryrun.Preview says %q", got, want.Subject)
	}
	attrs, err := chromedp.Run(br.ctx, chromedp.Attributes(chromedp.CSS("iframe.email")))
	if err != nil {
		t.Fatalf("read the iframe: %v", err)
	}
	sandbox, ok := attrs["sandbox"]
	if !ok || strings.Contains(sandbox, "allow-scripts") {
		t.Errorf("iframe sandbox = %q (present %v): want the attribute, without allow-scripts", sandbox, ok)
	}
	forms, err := chromedp.Run(br.ctx, chromedp.Nodes(chromedp.CSS("form.simulate"), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatalf("look for the simulate form: %v", err)
	}
	if len(forms) != 0 {
		t.Errorf("a viewer gets a simulate form")
	}
	br.screenshot(t, "console-preview")
	br.noErrors(t)
}
