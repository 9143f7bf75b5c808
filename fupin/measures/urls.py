from django.urls import path

from fupin.measures import credit_views, views

app_name = "measures"
urlpatterns = [
    path("", views.measure_list, name="measure-list"),
    path("suggestions/", views.suggestion_list, name="suggestion-list"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("points/", views.points_list, name="points"),
    path("deliveries/", views.delivery_upload, name="deliveries"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery-detail"),
    path("deliveries/<int:pk>/report/", views.delivery_report, name="delivery-report"),
    path("<int:pk>/status/", views.measure_status, name="status"),
    path("households/<int:pk>/", views.household_measures, name="household"),
    path("households/<int:pk>/record/", views.measure_record, name="record"),
    path("households/<int:pk>/suggestions/", views.suggestion_decide, name="decide"),
    path("households/<int:pk>/points/", views.points, name="household-points"),
    # 扶贫小额信贷, 信用评级, 自强之星 (credit_views).
    path("loans/", credit_views.loan_list, name="loan-list"),
    path("loans/<int:pk>/", credit_views.loan_detail, name="loan-detail"),
    path("loans/<int:pk>/repayments/", credit_views.repayment_create, name="loan-repay"),
    path("loans/<int:pk>/extend/", credit_views.loan_extension, name="loan-extend"),
    path("credit/", credit_views.credit_page, name="credit"),
    path("awards/", credit_views.award_list, name="award-list"),
    path("households/<int:pk>/credit/", credit_views.household_credit, name="household-credit"),
    path("households/<int:pk>/loans/", credit_views.loan_record, name="loan-record"),
    path("households/<int:pk>/rating/", credit_views.rating_create, name="rating-record"),
    path("households/<int:pk>/awards/", credit_views.award_create, name="award-record"),
]
